"""An MLflow tracking server's model registry and artifacts, over its REST API (httpx).

modelport never imports mlflow here: the registry is read through the routes MLflow's own
client calls (``/api/2.0/mlflow/...``) and artifacts through the server's artifact proxy
(``/api/2.0/mlflow-artifacts/artifacts``, on by default since MLflow 2), which serves them
whatever store the server keeps them in. A token is sent as ``Authorization: Bearer``, as
MLflow's client sends ``MLFLOW_TRACKING_TOKEN`` (and Databricks its access tokens); a token of the
form ``user:password`` is sent as HTTP Basic, for a server run with MLflow's basic-auth app.

Errors: a server that does not answer is :class:`~modelport.errors.Unreachable`; a refused
token a ConfigError naming ``token``; an unknown model or version NotFound; anything else the
server answers with an error is :class:`RegistryFailed` (502) with MLflow's own message.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from modelport.errors import ConfigError, InvalidInput, ModelportError, NotFound, Unreachable

API = "/api/2.0/mlflow"
ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts"
MAX_ARTIFACTS = 10_000
"""Most files a model version may list (and an upload download), directories included."""
MAX_PAGE = 1000
CHUNK = 1 << 20


class RegistryFailed(ModelportError):
    """The external registry answered a request with an error of its own."""

    status = 502


@dataclass(frozen=True)
class ArtifactFile:
    """One file or folder of a model version's artifacts."""

    path: str
    """Relative to the version's artifact root (``MLmodel``, ``data/model.xgb``)."""
    full_path: str
    """The URL it is downloaded from."""
    is_dir: bool
    file_size: int | None


@dataclass(frozen=True)
class ModelSource:
    """Where a model version's files are: its artifact URI, and the run that logged it."""

    artifact_uri: str
    run_id: str | None


class MlflowRegistry:
    """One MLflow tracking server, as a client of its REST API."""

    def __init__(
        self,
        url: str,
        token: str | None = None,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.url, auth=_auth(token), timeout=timeout, transport=transport
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> MlflowRegistry:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- the registry ------------------------------------------------------------------------

    def search_models(
        self, *, page_token: str | None = None, max_results: int = 100
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of registered models (MLflow's RegisteredModel JSON, with
        ``latest_versions``) and the next page's token (None after the last)."""
        if not 1 <= max_results <= MAX_PAGE:
            raise InvalidInput(
                f"max_results must be 1 to {MAX_PAGE}", field="max_results", hint="page smaller"
            )
        params: dict[str, str | int] = {"max_results": max_results}
        if page_token:
            params["page_token"] = page_token
        body = self._json("GET", f"{API}/registered-models/search", params=params)
        models = body.get("registered_models", [])
        return (models if isinstance(models, list) else []), body.get("next_page_token") or None

    def model_version(self, name: str, version: str) -> dict[str, Any]:
        """MLflow's ModelVersion JSON of ``name`` version ``version``."""
        body = self._json("GET", f"{API}/model-versions/get", params=_version(name, version))
        found: dict[str, Any] = body.get("model_version", {})
        return found

    def version_source(self, name: str, version: str) -> ModelSource:
        """Where the files of ``name`` version ``version`` are."""
        run_id = self.model_version(name, version).get("run_id") or None
        body = self._json(
            "GET", f"{API}/model-versions/get-download-uri", params=_version(name, version)
        )
        return ModelSource(str(body.get("artifact_uri", "")), run_id)

    def source(self, source: str) -> ModelSource:
        """Where the files a version's ``source`` names are: ``models:/m-<id>`` (a logged
        model, MLflow 3), ``models:/<name>/<version>``, ``runs:/<run>/<path>`` or an
        ``mlflow-artifacts:`` URI."""
        if source.startswith("models:/"):
            parts = source.removeprefix("models:/").strip("/").split("/")
            if len(parts) == 2:
                return self.version_source(parts[0], parts[1])
            body = self._json("GET", f"{API}/logged-models/{quote(parts[0])}")
            info = body.get("model", {}).get("info", {})
            return ModelSource(str(info.get("artifact_uri", "")), info.get("source_run_id"))
        if source.startswith("runs:/"):
            run_id, _, path = source.removeprefix("runs:/").strip("/").partition("/")
            body = self._json("GET", f"{API}/runs/get", params={"run_id": run_id})
            root = str(body.get("run", {}).get("info", {}).get("artifact_uri", ""))
            return ModelSource(f"{root}/{path}" if path else root, run_id)
        return ModelSource(source, None)

    # -- artifacts ---------------------------------------------------------------------------

    def list_artifacts(self, artifact_uri: str) -> list[ArtifactFile]:
        """Every file and folder under ``artifact_uri``, folders first then their contents."""
        root = _proxied_path(artifact_uri)
        found: list[ArtifactFile] = []
        pending = [""]
        while pending:
            relative = pending.pop(0)
            path = f"{root}/{relative}" if relative else root
            body = self._json("GET", ARTIFACTS, params={"path": path})
            for entry in body.get("files", []):
                name = f"{relative}/{entry['path']}" if relative else str(entry["path"])
                is_dir = bool(entry.get("is_dir"))
                size = entry.get("file_size")
                found.append(
                    ArtifactFile(
                        path=name,
                        full_path=f"{self.url}{ARTIFACTS}/{quote(f'{root}/{name}')}",
                        is_dir=is_dir,
                        file_size=None if size is None else int(size),
                    )
                )
                if is_dir:
                    pending.append(name)
                if len(found) > MAX_ARTIFACTS:
                    raise InvalidInput(
                        f"{artifact_uri} holds over {MAX_ARTIFACTS:,} files",
                        hint="upload a model version with fewer files",
                        field="path",
                    )
        return found

    def download(self, artifact_uri: str, dest: Path, *, max_bytes: int) -> list[Path]:
        """Every file under ``artifact_uri`` written below ``dest`` (streamed in chunks), at
        most ``max_bytes`` in all; the files written."""
        root = _proxied_path(artifact_uri)
        written: list[Path] = []
        total = 0
        for artifact in self.list_artifacts(artifact_uri):
            if artifact.is_dir:
                continue
            relative = PurePosixPath(artifact.path)
            if relative.is_absolute() or ".." in relative.parts:
                raise RegistryFailed(f"the registry named an artifact {artifact.path!r}")
            target = dest.joinpath(*relative.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as sink:
                for chunk in self._stream(f"{ARTIFACTS}/{quote(f'{root}/{artifact.path}')}"):
                    total += len(chunk)
                    if total > max_bytes:
                        raise InvalidInput(
                            f"{artifact_uri} is over {max_bytes:,} bytes",
                            hint="raise the max_artifact_bytes setting to upload it",
                            field="path",
                        )
                    sink.write(chunk)
            written.append(target)
        return written

    # -- HTTP ------------------------------------------------------------------------------

    def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        with self._errors():
            response = self._http.request(method, path, **kwargs)
            self._check(response)
            body = response.json()
        if not isinstance(body, dict):
            raise RegistryFailed(f"{self.url}{path} answered {type(body).__name__}, not an object")
        return body

    def _stream(self, path: str) -> Iterator[bytes]:
        with self._errors(), self._http.stream("GET", path) as response:
            if response.is_error:
                response.read()
            self._check(response)
            yield from response.iter_bytes(CHUNK)

    def _errors(self) -> _TranslatedErrors:
        return _TranslatedErrors(self.url)

    def _check(self, response: httpx.Response) -> None:
        if not response.is_error:
            return
        message = _mlflow_message(response)
        status = response.status_code
        if status in (401, 403):
            raise ConfigError(
                f"the MLflow registry at {self.url} refused the connection's token "
                f"(HTTP {status}: {message})",
                hint="create the registry connection again with a valid token",
                field="token",
            )
        if status == 404:
            raise NotFound(
                f"the MLflow registry at {self.url} has no such model or file: {message}",
                hint="`modelport registries models ID` lists its models and versions",
                field="name",
            )
        raise RegistryFailed(
            f"the MLflow registry at {self.url} answered HTTP {status}: {message}",
            hint="check the registry's url and its server's log",
        )


class _TranslatedErrors:
    """Network failures become Unreachable, naming the registry."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, error: BaseException | None, _: object) -> None:
        if isinstance(error, httpx.TransportError):
            raise Unreachable(
                f"the MLflow registry at {self.url} does not answer "
                f"({type(error).__name__}: {error})",
                hint="check the registry's url and that its server is running",
                field="url",
            ) from error
        if isinstance(error, ValueError) and not isinstance(error, ModelportError):
            raise RegistryFailed(f"the MLflow registry at {self.url} answered no JSON") from error


def _mlflow_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])[:500]
    return response.text[:200]


def _auth(token: str | None) -> httpx.Auth | None:
    """``user:password`` as HTTP Basic (an MLflow server run with its basic-auth app, as
    MLflow's client sends MLFLOW_TRACKING_USERNAME and _PASSWORD); any other token as Bearer."""
    if not token:
        return None
    user, colon, password = token.partition(":")
    if colon and user and not any(c.isspace() for c in token):
        return httpx.BasicAuth(user, password)
    return _Bearer(token)


class _Bearer(httpx.Auth):
    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request


def _version(name: str, version: str) -> dict[str, str]:
    return {"name": name, "version": str(version)}


def _proxied_path(artifact_uri: str) -> str:
    """The path the artifact proxy serves ``artifact_uri`` under."""
    parts = urlsplit(artifact_uri)
    if parts.scheme != "mlflow-artifacts":
        raise ConfigError(
            f"artifacts at {artifact_uri!r} are not served by the MLflow tracking server",
            hint="run the MLflow server with its artifact proxy (`mlflow server "
            "--artifacts-destination ...`, the default) so its models can be downloaded",
            field="path",
        )
    return parts.path.strip("/")
