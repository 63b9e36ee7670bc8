"""What ``modelport.Client`` and ``modelport.AsyncClient`` share: their settings and every
operation, written once as the HTTP calls it makes (a :data:`Plan`); the two clients only send
those calls, one with httpx's synchronous client, the other with its asynchronous one."""

from __future__ import annotations

import re
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from modelport.client.bodies import (
    ARROW_STREAM,
    JSON,
    Transport,
    decode_output,
    encode_input,
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
    Unreachable,
    error_from_response,
)

if TYPE_CHECKING:
    import httpx
    import pandas as pd


T = TypeVar("T")

_MODEL_URL = re.compile(
    r"^(?P<base>.*?)/v[12]/models/(?P<name>[^/:?#]+)"
    r"(?:/versions/(?P<version>[^/:?#]+))?(?:[/:?#].*)?$"
)
"""A URL naming the model: ``.../v1/models/iris[/versions/2][/predict]``, ``.../v2/models/iris``."""

READY_PATH = "/v2/health/ready"
LISTINGS = (("GET", "/v2/models"), ("POST", "/v2/repository/index"))
"""Where servers list their models: KServe's ``GET /v2/models``, then the Open Inference /
Triton repository index (what modelport's own server answers)."""


@dataclass(frozen=True)
class Call:
    """One HTTP request a client operation makes."""

    method: str
    path: str
    content: bytes | None = None
    headers: Mapping[str, str] | None = None
    raise_errors: bool = True
    """Answers of 400 and above are raised as modelport's exceptions (not handed back)."""


Plan = Generator[Call, "httpx.Response", T]
"""A client operation as the calls it makes: a face (``Client``, ``AsyncClient``) sends each
call it yields and sends the answer back in, or throws in the ModelportError the call failed
with; what the plan returns is the operation's result."""


class ClientCalls:
    """The settings and operations ``Client`` and ``AsyncClient`` share. Each operation is a
    :data:`Plan` here, written once; the two faces only send its calls (with httpx's
    synchronous or asynchronous client) and hand the answers back."""

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
        base, named, named_version = split_url(url)
        self.url = base
        self._model = model or named
        self.version = str(version) if version is not None else named_version
        self.timeout = timeout
        self.transport: Transport = transport
        self._headers = dict(headers or {})

    def _plan_predict(self, data: Any) -> Plan[pd.DataFrame]:
        body, content_type = encode_input(data, self.transport)
        accept = ARROW_STREAM if self.transport == "arrow" else JSON
        name = yield from self._plan_find_model()
        path = f"/v1/models/{name}"
        if self.version is not None:
            path += f"/versions/{self.version}"
        headers = {"content-type": content_type, "accept": accept}
        response = yield Call("POST", f"{path}/predict", body, headers)
        return decode_output(response.headers.get("content-type", JSON), response.content)

    def _plan_metadata(self) -> Plan[dict[str, Any]]:
        name = yield from self._plan_find_model()
        path = f"/v2/models/{name}"
        if self.version is not None:
            path += f"/versions/{self.version}"
        value = read_json((yield Call("GET", path)).content)
        if not isinstance(value, dict):
            raise ModelFailed(f"the server answered {path} with a JSON {type(value).__name__}")
        return value

    def _plan_ready(self) -> Plan[bool]:
        try:
            response = yield Call("GET", READY_PATH, raise_errors=False)
        except (Unreachable, ModelTimeout):
            return False
        return response.status_code == 200

    def _plan_find_model(self) -> Plan[str]:
        """The model's name: given, named in the URL, else the only one the server lists."""
        if self._model is not None:
            return self._model
        names: list[str] | None = None
        for method, path in LISTINGS:
            try:
                response = yield Call(method, path)
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
        self._model = unique[0]
        return self._model

    def _answer(self, call: Call, response: httpx.Response) -> httpx.Response:
        """``response``, or the error it answers (raised) when the call raises errors."""
        if call.raise_errors and response.status_code >= 400:
            raise error_from_response(response.status_code, response.content)
        return response

    def _not_sent(self, call: Call, error: Exception) -> ModelportError:
        """What a call that got no answer (httpx's TransportError) failed with."""
        import httpx

        if isinstance(error, httpx.TimeoutException):
            return ModelTimeout(
                f"{self.url}{call.path} did not answer within {self.timeout:g} s",
                hint="send fewer rows, or give the client a larger timeout",
            )
        return Unreachable(
            f"cannot reach {self.url}: {type(error).__name__}: {error}",
            hint="check the URL and that the server runs (modelport serve MODEL)",
        )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.url!r}, model={self._model!r}, "
            f"transport={self.transport!r})"
        )


def split_url(url: str) -> tuple[str, str | None, str | None]:
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
