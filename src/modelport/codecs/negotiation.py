"""Choosing codecs from ``Content-Type`` and ``Accept`` headers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa

from modelport.codecs.arrow_ipc import (
    ARROW_FILE,
    ARROW_STREAM,
    PARQUET,
    encode_arrow,
    encode_arrow_file,
)
from modelport.codecs.csv import CSV, encode_csv
from modelport.codecs.json_frames import encode_records
from modelport.errors import NotAcceptable

JSON = "application/json"


@dataclass(frozen=True)
class MediaType:
    """A parsed media type: ``application/json; format=pandas-split`` -> json + parameters."""

    essence: str
    params: dict[str, str]


def parse_media_type(header: str | None) -> MediaType:
    if not header:
        return MediaType(JSON, {})
    essence, *rest = header.split(";")
    params = {}
    for part in rest:
        key, _, value = part.partition("=")
        if key.strip():
            params[key.strip().lower()] = value.strip().strip('"')
    return MediaType(essence.strip().lower(), params)


def is_json(essence: str) -> bool:
    return essence in (JSON, "text/json", "*/*", "") or essence.endswith("+json")


Encoder = Callable[[pa.Table], bytes]
ENCODERS: dict[str, Encoder] = {
    JSON: encode_records,
    ARROW_STREAM: encode_arrow,
    ARROW_FILE: encode_arrow_file,
    CSV: encode_csv,
}
_ALIASES = {"application/*": JSON, "*/*": JSON, "text/*": CSV, "text/json": JSON}
_PARQUET_NOTE = f"{PARQUET} is accepted as a request body only"


def choose_encoder(accept: str | None) -> tuple[str, Encoder]:
    """The response media type and encoder for an ``Accept`` header (JSON when absent)."""
    if not accept:
        return JSON, encode_records
    ranked = []
    for position, item in enumerate(accept.split(",")):
        media = parse_media_type(item)
        try:
            quality = float(media.params.get("q", "1"))
        except ValueError:
            quality = 0.0
        ranked.append((-quality, position, media.essence))
    for quality, _, essence in sorted(ranked):
        if quality == 0:
            continue
        chosen = _ALIASES.get(essence, essence)
        if chosen in ENCODERS:
            return chosen, ENCODERS[chosen]
    raise NotAcceptable(
        f"cannot answer with {accept}",
        hint=f"accept one of: {', '.join(ENCODERS)} ({_PARQUET_NOTE})",
        field="Accept",
    )
