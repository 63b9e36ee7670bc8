"""The rows a command is given: JSON text (``--data``) or a file of rows (.json, .csv,
.parquet, .arrow), read as a request body would be; errors name the option they came from.

A JSON file may be in any of pandas' orients, as ``DataFrame.to_json`` writes it (Wallaroo's
``.df.json`` files are its default, ``columns``): it is read as ``pandas.read_json`` reads it
with that orient (``codecs.pandas_json``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelport.errors import InvalidInput, MalformedInput, NotFound

if TYPE_CHECKING:
    from modelport.batch import Batch
    from modelport.decoded import Decoded
    from modelport.validation import InputValidator

FILE_TYPES = (".csv", ".parquet", ".json", ".arrow")


def read_batch(
    data: str | None,
    file: Path | None,
    validator: InputValidator,
    *,
    file_option: str = "--file",
    check_json: Callable[[Any], None] | None = None,
) -> Batch:
    """The rows of JSON text ``data`` or of ``file``, validated like a request body (JSON first
    given to ``check_json``, for a convention's own rules, when given)."""
    return validator.validate(_decoded(data, file, validator, file_option, check_json))


def _decoded(
    data: str | None,
    file: Path | None,
    validator: InputValidator,
    file_option: str,
    check_json: Callable[[Any], None] | None,
) -> Decoded:
    from modelport.codecs.arrow_ipc import decode_arrow, decode_parquet
    from modelport.codecs.csv import decode_csv
    from modelport.codecs.json_frames import decode_json
    from modelport.codecs.pandas_json import normalized

    if data is not None:
        value = parse_json(data.encode(), "--data")
    else:
        assert file is not None
        suffix, body = file_suffix(file, file_option), read_file(file, file_option)
        if suffix == ".csv":
            return decode_csv(body, schema=validator.decoding_schema)
        if suffix == ".parquet":
            return decode_parquet(body)
        if suffix == ".arrow":
            return decode_arrow(body)
        value = parse_json(body, str(file), file_option)
    value = normalized(value, names=validator.names)
    if check_json is not None:
        check_json(value)
    return decode_json(value, orient=None)


def file_suffix(file: Path, option: str = "--file") -> str:
    """The kind of a rows file by its suffix (one of FILE_TYPES); InvalidInput for another."""
    suffix = file.suffix.lower()
    suffix = {".pq": ".parquet", ".arrows": ".arrow", ".ipc": ".arrow"}.get(suffix, suffix)
    if suffix not in FILE_TYPES:
        raise InvalidInput(
            f"cannot read rows from {file} (a {suffix or 'suffix-less'} file)",
            hint=f"use one of: {', '.join(FILE_TYPES)}",
            field=option,
        )
    return suffix


def read_file(file: Path, option: str = "--file") -> bytes:
    try:
        return file.read_bytes()
    except FileNotFoundError as exc:
        raise NotFound(f"{file} does not exist", field=option) from exc
    except OSError as exc:
        raise InvalidInput(f"cannot read {file}: {exc.strerror}", field=option) from exc


def parse_json(body: bytes, source: str, option: str = "--file") -> Any:
    """JSON from ``--data`` (``source``) or a file; MalformedInput naming where it came from."""
    from modelport.codecs.json_frames import parse_json as parse_body

    try:
        return parse_body(body)
    except MalformedInput as exc:
        raise MalformedInput(
            f"{source} is not valid JSON: {exc.message.removeprefix('malformed JSON: ')}",
            hint='give rows like [{"x": 1.0}] or {"x": [1.0, 2.0]}',
            field="--data" if source == "--data" else option,
        ) from exc
