"""``modelport.Client``: call a served model over HTTP and get a pandas DataFrame back.

::

    with modelport.Client("http://127.0.0.1:8080", model="iris") as client:
        client.predict([{"sepal_length": 5.1, ...}])    # -> DataFrame, one row per input row

``predict`` takes a list of records, a list of lists (positional to the model's inputs), a dict
of columns (or one record as a dict of values), a DataFrame, a 2-D numpy array or an Arrow table;
it always answers with a DataFrame (a one-output, one-row answer is a 1x1 DataFrame, not a
scalar: compare ``result["species"].tolist() == [1]`` or ``result.iloc[0, 0] == 1``).

Bodies go as JSON records (``transport="json"``, the default) or as an Arrow IPC stream
(``transport="arrow"``: typed columns, no JSON on either side); positional rows always go as
JSON, since only the server knows the names of its inputs. Errors the server answers with
(RFC 9457 problem details) are raised as modelport's own exceptions carrying the server's
message and field. One synchronous implementation over httpx, imported on first use so
``import modelport`` stays cheap.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import orjson
import pyarrow as pa

from modelport import errors
from modelport.errors import (
    ConfigError,
    Conflict,
    InvalidInput,
    ModelFailed,
    ModelportError,
    ModelTimeout,
    NotFound,
    Unauthorised,
)

if TYPE_CHECKING:
    import httpx
    import pandas as pd

Transport = Literal["json", "arrow"]

JSON = "application/json"
ARROW_STREAM = "application/vnd.apache.arrow.stream"
NDJSON = "application/x-ndjson"

_MODEL_URL = re.compile(
    r"^(?P<base>.*?)/v[12]/models/(?P<name>[^/:?#]+)"
    r"(?:/versions/(?P<version>[^/:?#]+))?(?:[/:?#].*)?$"
)
"""A URL naming the model: ``.../v1/models/iris[/versions/2][/predict]``, ``.../v2/models/iris``."""


class Client:
    """A served model (or a server holding exactly one model) at ``url``.

    ``model`` defaults to the name in ``url`` (``http://host/v1/models/iris``), else to the only
    model the server lists. ``timeout`` is in seconds per request (None waits forever).
    """

    def __init__(
        self,
        url: str,
        *,
        model: str | None = None,
        version: int | str | None = None,
        timeout: float | None = 60.0,
        transport: Transport = "json",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if transport not in ("json", "arrow"):
            raise InvalidInput(
                f"unknown transport {transport!r}", hint="use 'json' or 'arrow'", field="transport"
            )
        base, named, named_version = _split_url(url)
        self.url = base
        self._model = model or named
        self.version = str(version) if version is not None else named_version
        self.timeout = timeout
        self.transport: Transport = transport
        self._headers = dict(headers or {})
        self._http: httpx.Client | None = None

    # --- the model's answers --------------------------------------------------------------

    def predict(self, data: Any) -> pd.DataFrame:
        """The model's answer for ``data`` (rows in any form the module docstring lists)."""
        body, content_type = encode_input(data, self.transport)
        accept = ARROW_STREAM if self.transport == "arrow" else JSON
        response = self._send(
            "POST",
            self._model_path("predict"),
            content=body,
            headers={"content-type": content_type, "accept": accept},
        )
        return decode_output(response.headers.get("content-type", JSON), response.content)

    def metadata(self) -> dict[str, Any]:
        """The model's Open Inference Protocol V2 metadata (name, versions, inputs, outputs)."""
        path = f"/v2/models/{self.model}"
        if self.version is not None:
            path += f"/versions/{self.version}"
        value = _json(self._send("GET", path).content)
        if not isinstance(value, dict):
            raise ModelFailed(f"the server answered {path} with a JSON {type(value).__name__}")
        return value

    def ready(self) -> bool:
        """Whether the server answers and every model it holds has loaded (False while not
        reachable, so it can be polled while a server starts)."""
        import httpx

        try:
            response = self._client().get("/v2/health/ready")
        except httpx.TransportError:
            return False
        return response.status_code == 200

    @property
    def model(self) -> str:
        """The model's name: given, named in the URL, or the only one the server lists."""
        if self._model is None:
            self._model = self._only_model()
        return self._model

    # --- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client({self.url!r}, model={self._model!r}, transport={self.transport!r})"

    # --- HTTP -----------------------------------------------------------------------------

    def _client(self) -> httpx.Client:
        if self._http is None:
            import httpx

            self._http = httpx.Client(
                base_url=self.url, timeout=self.timeout, headers=self._headers
            )
        return self._http

    def _model_path(self, action: str) -> str:
        path = f"/v1/models/{self.model}"
        if self.version is not None:
            path += f"/versions/{self.version}"
        return f"{path}/{action}"

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        import httpx

        try:
            response = self._client().request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise ModelTimeout(
                f"{self.url}{path} did not answer within {self.timeout:g} s",
                hint="send fewer rows, or give the Client a larger timeout",
            ) from exc
        except httpx.TransportError as exc:
            raise ModelportError(
                f"cannot reach {self.url}: {type(exc).__name__}: {exc}",
                hint="check the URL and that the server runs (modelport serve MODEL)",
            ) from exc
        if response.status_code >= 400:
            raise error_from_response(response.status_code, response.content)
        return response

    def _only_model(self) -> str:
        """The one model the server lists (``GET /v2/models`` or the V2 repository index)."""
        names: list[str] | None = None
        for method, path in (("GET", "/v2/models"), ("POST", "/v2/repository/index")):
            try:
                response = self._send(method, path)
            except (NotFound, InvalidInput):
                continue
            names = _model_names(_json(response.content))
            if names is not None:
                break
        how = "pass model='NAME', or a URL like http://host:port/v1/models/NAME"
        if not names:
            raise ConfigError(f"cannot tell which model to call at {self.url}", hint=how)
        unique = sorted(set(names))
        if len(unique) > 1:
            raise ConfigError(f"{self.url} serves several models ({', '.join(unique)})", hint=how)
        return unique[0]


# --- URLs, bodies, answers and errors -------------------------------------------------------


def _split_url(url: str) -> tuple[str, str | None, str | None]:
    """``http://h/v1/models/iris/predict`` -> (``http://h``, ``iris``, None)."""
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise InvalidInput(
            f"{url!r} is not an HTTP URL", hint="use e.g. http://127.0.0.1:8080", field="url"
        )
    found = _MODEL_URL.match(url)
    if found is None:
        return url, None, None
    return found["base"], found["name"], found["version"]


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
    value = _json(body)
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
        chunk = _json(line)
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


def _json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ModelFailed(f"the server answered with malformed JSON: {exc}") from exc


def _model_names(value: Any) -> list[str] | None:
    """Names from a listing: ``{"models": [...]}`` or a list, of names or ``{"name": ...}``."""
    if isinstance(value, dict):
        value = value.get("models")
    if not isinstance(value, list):
        return None
    names = [item.get("name") if isinstance(item, dict) else item for item in value]
    return [str(name) for name in names if isinstance(name, str)]


def error_from_response(status: int, body: bytes) -> ModelportError:
    """The modelport exception for an error answer (problem details, or any other body)."""
    try:
        problem = orjson.loads(body)
    except orjson.JSONDecodeError:
        problem = None
    if not isinstance(problem, dict):
        text = body.decode("utf-8", "replace").strip()
        problem = {"detail": text} if text else {}
    message = next(
        (
            str(problem[key])
            for key in ("detail", "error", "message", "title")
            if problem.get(key) not in (None, "")
        ),
        f"the server answered {status}",
    )
    field = problem.get("field")
    error_class = _error_class(status, problem.get("title"))
    error = error_class(message, field=str(field) if field is not None else None)
    error.status = status
    return error


def _error_class(status: int, title: Any) -> type[ModelportError]:
    """By status (404 NotFound, 4xx InvalidInput, 5xx ModelFailed, ...), refined to the class
    the server names in the problem's title when it is a kind of that."""
    base: type[ModelportError]
    if status == 404:
        base = NotFound
    elif status in (401, 403):
        base = Unauthorised
    elif status == 409:
        base = Conflict
    elif 400 <= status < 500:
        base = InvalidInput
    else:
        base = ModelFailed
    named = getattr(errors, str(title), None) if isinstance(title, str) else None
    if isinstance(named, type) and issubclass(named, base):
        return named
    return base
