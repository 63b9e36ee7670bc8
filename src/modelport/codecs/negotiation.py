"""Choosing codecs from ``Content-Type`` and ``Accept`` headers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa

from modelport.codecs.arrow_ipc import (
    ARROW_FILE,
    ARROW_STREAM,
    PARQUET,
    decode_arrow,
    decode_arrow_file,
    decode_parquet,
    encode_arrow,
    encode_arrow_file,
)
from modelport.codecs.csv import CSV, decode_csv, encode_csv
from modelport.codecs.json_frames import (
    ORIENTS,
    decode_json,
    encode_records,
    may_hold_booleans,
    parse_json,
)
from modelport.codecs.limits import UNLIMITED, DecodeLimits
from modelport.decoded import Decoded, row_count
from modelport.errors import InvalidInput, NotAcceptable, UnsupportedMediaType

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
"""curl's default Content-Type, which a JSON body sent with ``-d`` carries; never read as JSON
here, since a web page of any site can make a browser send it (a "simple" cross-origin POST
needs no CORS preflight)."""
ROW_BODIES = (JSON, CSV, ARROW_STREAM, ARROW_FILE, PARQUET)
"""The media types of the request bodies rows can come in."""


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


def decode_json_body(body: bytes, *, orient: str | None = None) -> Decoded:
    """The rows of a JSON body (``orient``: pandas' records, split or columns, else by shape)."""
    return decode_json(parse_json(body), orient=orient, has_booleans=may_hold_booleans(body))


def decode_rows(
    body: bytes,
    media: MediaType,
    *,
    orient: str | None,
    schema: pa.Schema | None,
    limits: DecodeLimits = UNLIMITED,
) -> Decoded:
    """The rows of a body of any row format, by its media type: JSON (``orient``, or the
    media type's ``format`` parameter, picks pandas' orient), CSV (typed by ``schema`` when
    given), Arrow IPC stream or file, Parquet; within ``limits`` (413 past them)."""
    if orient is not None and orient.removeprefix("pandas-") not in ORIENTS:
        raise InvalidInput(
            f"unknown format {orient!r}", hint=f"use one of: {', '.join(ORIENTS)}", field="format"
        )
    if media.essence == FORM:
        raise UnsupportedMediaType(
            f"a {FORM} body is not read as JSON (any web page could send one)",
            hint="send Content-Type: application/json (curl: -H 'Content-Type: application/json')",
            field="Content-Type",
        )
    if is_json(media.essence):
        orient = orient or media.params.get("format")
        limits.check_text(len(body), "JSON")
        decoded = decode_json_body(body, orient=orient.removeprefix("pandas-") if orient else None)
        limits.check_rows(row_count(decoded))
        return decoded
    if media.essence == ARROW_STREAM:
        return decode_arrow(body, limits)
    if media.essence == ARROW_FILE:
        return decode_arrow_file(body, limits)
    if media.essence == CSV:
        limits.check_text(len(body), "CSV")
        return decode_csv(body, schema=schema, limits=limits)
    if media.essence == PARQUET:
        return decode_parquet(body, limits)
    raise UnsupportedMediaType(
        f"cannot read a {media.essence} body",
        hint=f"send one of: {', '.join(ROW_BODIES)}",
        field="Content-Type",
    )


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
