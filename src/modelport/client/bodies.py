"""The bodies a client sends and reads: request bodies from the data it is given, answers as
DataFrames, and error answers as modelport's own exceptions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import orjson
import pyarrow as pa

from modelport.errors import (
    InvalidInput,
    ModelFailed,
    error_from_response,
)

if TYPE_CHECKING:
    import pandas as pd

Transport = Literal["json", "arrow"]

JSON = "application/json"
ARROW_STREAM = "application/vnd.apache.arrow.stream"
NDJSON = "application/x-ndjson"


def encode_input(data: Any, transport: Transport) -> tuple[bytes, str]:
    """A request body and its Content-Type for ``data``."""
    value = _normalise(data)
    if transport == "arrow" and not _positional(value):
        from modelport.codecs.arrow_ipc import encode_arrow

        return encode_arrow(_as_table(value)), ARROW_STREAM
    if isinstance(value, pa.Table):
        value = value.to_pylist()
    try:
        return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY), JSON
    except TypeError as exc:
        raise InvalidInput(f"cannot write the input as JSON: {exc}") from exc


def _normalise(data: Any) -> list[Any] | dict[str, Any] | pa.Table:
    """``data`` as records or positional rows (list), columns (dict) or an Arrow table."""
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    if type(data).__module__.split(".")[0] == "pandas" and hasattr(data, "columns"):
        return pa.Table.from_pandas(data, preserve_index=False)
    if isinstance(data, np.ndarray):
        if data.ndim != 2:
            raise InvalidInput(
                f"a numpy array of {data.ndim} dimensions is not a list of rows",
                hint="send a 2-D array, one row per prediction",
            )
        return list(data.tolist())
    if isinstance(data, Mapping):
        return _columns_or_record(data)
    if isinstance(data, list | tuple):
        rows = list(data)
        if all(isinstance(row, Mapping) for row in rows):
            return [dict(row) for row in rows]
        if all(isinstance(row, list | tuple | np.ndarray) for row in rows):
            return [list(row) for row in rows]
        raise InvalidInput(
            "a list of rows must hold only records (dicts) or only rows of values (lists)",
            hint="wrap a single row in a list: predict([[5.1, 3.5, 1.4, 0.2]])",
        )
    raise InvalidInput(
        f"cannot send a {type(data).__name__} as rows",
        hint="pass a list of records, a list of lists, a dict of columns, a DataFrame "
        "or an Arrow table",
    )


def _columns_or_record(data: Mapping[Any, Any]) -> dict[str, Any] | list[Any]:
    columns = {str(name): value for name, value in data.items()}
    is_column = [
        isinstance(v, list | tuple | np.ndarray) or _is_series(v) for v in columns.values()
    ]
    if all(is_column):
        return {name: _column_values(value) for name, value in columns.items()}
    if not any(is_column):
        return [columns]
    raise InvalidInput(
        "a dict must hold either one value per input (one row) or one list per input (columns)",
        hint='e.g. {"x": [1, 2]} or {"x": 1}',
    )


def _is_series(value: Any) -> bool:
    return type(value).__module__.split(".")[0] == "pandas" and hasattr(value, "to_numpy")


def _column_values(value: Any) -> Any:
    if _is_series(value):
        value = value.to_numpy()
    return value if isinstance(value, np.ndarray) else list(value)


def _positional(value: list[Any] | dict[str, Any] | pa.Table) -> bool:
    return isinstance(value, list) and bool(value) and not isinstance(value[0], Mapping)


def _as_table(value: list[Any] | dict[str, Any] | pa.Table) -> pa.Table:
    if isinstance(value, pa.Table):
        return value
    try:
        if isinstance(value, list):
            return pa.Table.from_pylist(value)
        from modelport.tables import numpy_to_array

        return pa.table(
            {
                name: numpy_to_array(column) if isinstance(column, np.ndarray) else column
                for name, column in value.items()
            }
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise InvalidInput(f"cannot write the input as Arrow: {exc}") from exc


def decode_output(content_type: str, body: bytes) -> pd.DataFrame:
    """The server's answer (JSON records, Arrow IPC or NDJSON chunks) as a DataFrame."""
    import pandas as pd

    essence = content_type.split(";")[0].strip().lower()
    if essence == ARROW_STREAM:
        from modelport.codecs.arrow_ipc import decode_arrow

        return decode_arrow(body).to_pandas()
    if essence == NDJSON:
        return pd.DataFrame(_stream_rows(body))
    value = read_json(body)
    if isinstance(value, dict):  # a single object: one row
        value = [value]
    if not isinstance(value, list):
        raise ModelFailed(f"the server answered with a JSON {type(value).__name__}, not rows")
    if value and not all(isinstance(row, Mapping) for row in value):
        return pd.DataFrame({"output": value})
    return pd.DataFrame(value)


def _stream_rows(body: bytes) -> list[Any]:
    """The rows of a streamed answer; an ``{"error": ...}`` line raises what it reports."""
    rows: list[Any] = []
    for line in body.splitlines():
        if not line.strip():
            continue
        chunk = read_json(line)
        if isinstance(chunk, dict) and set(chunk) == {"error"}:
            problem = chunk["error"]
            if isinstance(problem, dict):
                raise error_from_response(int(problem.get("status", 500)), orjson.dumps(problem))
            raise ModelFailed(str(problem))
        if isinstance(chunk, list):
            rows.extend(r if isinstance(r, Mapping) else {"output": r} for r in chunk)
        else:
            rows.append(chunk if isinstance(chunk, Mapping) else {"output": chunk})
    return rows


def read_json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ModelFailed(f"the server answered with malformed JSON: {exc}") from exc


def model_names(value: Any) -> list[str] | None:
    """Names from a listing: ``{"models": [...]}`` or a list, of names or ``{"name": ...}``."""
    if isinstance(value, dict):
        value = value.get("models")
    if not isinstance(value, list):
        return None
    names = [item.get("name") if isinstance(item, dict) else item for item in value]
    return [str(name) for name in names if isinstance(name, str)]
