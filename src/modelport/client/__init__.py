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
from typing import TYPE_CHECKING, Any

from modelport.client.wire import (
    ARROW_STREAM,
    JSON,
    Transport,
    decode_output,
    encode_input,
    error_from_response,
    model_names,
    read_json,
)
from modelport.errors import (
    ConfigError,
    InvalidInput,
    ModelFailed,
    ModelportError,
    ModelTimeout,
    NotFound,
)

if TYPE_CHECKING:
    import httpx
    import pandas as pd


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
        value = read_json(self._send("GET", path).content)
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
            names = model_names(read_json(response.content))
            if names is not None:
                break
        how = "pass model='NAME', or a URL like http://host:port/v1/models/NAME"
        if not names:
            raise ConfigError(f"cannot tell which model to call at {self.url}", hint=how)
        unique = sorted(set(names))
        if len(unique) > 1:
            raise ConfigError(f"{self.url} serves several models ({', '.join(unique)})", hint=how)
        return unique[0]


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
