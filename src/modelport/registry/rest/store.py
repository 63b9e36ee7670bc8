"""``RegistryStore`` over HTTP: the client of a remote ``modelport server``'s REST API.

Opened for ``http://`` and ``https://`` registry URIs (``registry/uris.py``), with the token from
the ``token`` setting (``MODELPORT_TOKEN``). Every method is one request (``list_models`` and
``list_versions`` one a page; ``artifact_path`` checks that the version still exists, then
downloads unless cached); the server's problem answers become the same modelport errors the
local store raises (NotFound, Conflict...), plus Unauthorised and Forbidden. Registering streams
the artifact up; ``artifact_path`` downloads an artifact once into the local digest-keyed cache
(``registry/blob_cache.py``). Long transfers are reported as every store's are
(``registry/transfers.py``: a bar when the command shows one).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson

from modelport._types import JSONObject
from modelport.errors import InvalidInput, ModelFailed, Unreachable, error_from_response
from modelport.registry.atomic_files import Advance
from modelport.registry.blob_cache import BlobCache
from modelport.registry.entities import (
    DEFAULT_WORKSPACE,
    Alias,
    AliasChange,
    Model,
    ModelVersion,
    Page,
    Workspace,
)
from modelport.registry.rest import paths, wire
from modelport.registry.search import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, every_item
from modelport.registry.store import RegistryStore
from modelport.registry.transfers import transfer

TIMEOUT = httpx.Timeout(60.0, connect=10.0)
TRANSFER_TIMEOUT = httpx.Timeout(600.0, connect=10.0)
"""Uploads: the server stores the whole artifact before it answers."""
_CHUNK = 1024 * 1024


class RestRegistryStore(RegistryStore):
    """The registry of the ``modelport server`` at ``url``."""

    def __init__(
        self,
        url: str,
        *,
        token: str | None,
        cache: BlobCache,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.cache = cache
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(
            base_url=self.url + wire.API_PREFIX,
            headers=headers,
            timeout=TIMEOUT,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    # -- requests --------------------------------------------------------------------------

    def _call(self, method: str, path: str, **options: Any) -> Any:
        """The JSON answer to one request (None for 204); errors as modelport errors."""
        with self._unreachable():
            response = self._http.request(method, path, **options)
        if response.status_code >= 400:
            raise error_from_response(response.status_code, response.content)
        if response.status_code == 204:
            return None
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError as error:
            raise ModelFailed(
                f"{self.url} answered {method} {path} with something other than JSON",
                hint="check that the registry URI is a modelport server",
            ) from error

    @contextlib.contextmanager
    def _unreachable(self) -> Iterator[None]:
        try:
            yield
        except httpx.TransportError as error:
            raise Unreachable(
                f"cannot reach the registry server at {self.url}: {error}",
                hint="check the --registry URI and that `modelport server` runs there",
            ) from error

    # -- workspaces ------------------------------------------------------------------------

    def create_workspace(self, *, name: str) -> Workspace:
        return wire.workspace_of(self._call("POST", "/workspaces", json={"name": name}))

    def list_workspaces(self) -> list[Workspace]:
        found = self._call("GET", "/workspaces")["workspaces"]
        return [wire.workspace_of(w) for w in found]

    # -- models ----------------------------------------------------------------------------

    def create_model(
        self,
        *,
        name: str,
        description: str | None = None,
        tags: dict[str, str] | None = None,
        workspace: str = DEFAULT_WORKSPACE,
    ) -> Model:
        body = {"name": name, "description": description, "tags": tags or {}}
        return wire.model_of(self._call("POST", paths.workspace(workspace) + "/models", json=body))

    def get_model(self, *, name: str, workspace: str = DEFAULT_WORKSPACE) -> Model:
        return wire.model_of(self._call("GET", paths.model(workspace, name)))

    def list_models(self, *, workspace: str = DEFAULT_WORKSPACE) -> list[Model]:
        return every_item(
            lambda token: self.search_models(
                max_results=MAX_PAGE_SIZE, page_token=token, workspace=workspace
            )
        )

    def search_models(
        self,
        *,
        name_contains: str | None = None,
        tags: dict[str, str] | None = None,
        max_results: int = DEFAULT_PAGE_SIZE,
        page_token: str | None = None,
        workspace: str = DEFAULT_WORKSPACE,
    ) -> Page[Model]:
        params = paths.search(tags, max_results, page_token)
        if name_contains is not None:
            params.append(("name_contains", name_contains))
        found = self._call("GET", paths.workspace(workspace) + "/models", params=params)
        return Page([wire.model_of(m) for m in found["models"]], found["next_page_token"])

    def update_model(
        self, *, name: str, description: str | None = None, workspace: str = DEFAULT_WORKSPACE
    ) -> Model:
        body = {"description": description}
        return wire.model_of(self._call("PATCH", paths.model(workspace, name), json=body))

    def delete_model(
        self, *, name: str, workspace: str = DEFAULT_WORKSPACE, with_versions: bool = False
    ) -> None:
        params = {"with_versions": "true" if with_versions else "false"}
        self._call("DELETE", paths.model(workspace, name), params=params)

    # -- versions --------------------------------------------------------------------------

    def register_version(
        self,
        *,
        name: str,
        artifact: Path,
        digest: str,
        signature: JSONObject,
        metadata: JSONObject,
        lineage: JSONObject,
        build: JSONObject,
        source_format: str,
        description: str | None = None,
        workspace: str = DEFAULT_WORKSPACE,
    ) -> tuple[ModelVersion, bool]:
        registration = orjson.dumps(
            {
                "digest": digest,
                "signature": signature,
                "metadata": metadata,
                "lineage": lineage,
                "build": build,
                "source_format": source_format,
                "description": description,
            }
        )
        artifact = Path(artifact)
        if not artifact.is_file():
            raise InvalidInput(
                f"artifact {artifact} does not exist or is not a file",
                hint="Pass the path of a built artifact zip.",
                field="artifact",
            )
        size = artifact.stat().st_size
        with (
            transfer(f"uploading {name} to {self.url}", size) as progress,
            artifact.open("rb") as stream,
        ):
            files = {
                "registration": (None, registration, "application/json"),
                "artifact": (artifact.name, _Reporting(stream, progress), "application/zip"),
            }
            answer = self._call(
                "POST",
                paths.model(workspace, name) + "/versions",
                files=files,
                timeout=TRANSFER_TIMEOUT,
            )
        return wire.version_of(answer["version"]), bool(answer["created"])

    def get_version(
        self, *, name: str, number: int, workspace: str = DEFAULT_WORKSPACE
    ) -> ModelVersion:
        return wire.version_of(self._call("GET", paths.version(workspace, name, number)))

    def list_versions(self, *, name: str, workspace: str = DEFAULT_WORKSPACE) -> list[ModelVersion]:
        return every_item(
            lambda token: self.search_versions(
                name=name, max_results=MAX_PAGE_SIZE, page_token=token, workspace=workspace
            )
        )

    def search_versions(
        self,
        *,
        name: str,
        tags: dict[str, str] | None = None,
        max_results: int = DEFAULT_PAGE_SIZE,
        page_token: str | None = None,
        workspace: str = DEFAULT_WORKSPACE,
    ) -> Page[ModelVersion]:
        params = paths.search(tags, max_results, page_token)
        found = self._call("GET", paths.model(workspace, name) + "/versions", params=params)
        return Page([wire.version_of(v) for v in found["versions"]], found["next_page_token"])

    def resolve(self, ref: str, *, workspace: str = DEFAULT_WORKSPACE) -> ModelVersion:
        return wire.version_of(
            self._call("GET", f"{paths.workspace(workspace)}/refs/{paths.part(ref)}")
        )

    def delete_version(self, *, name: str, number: int, workspace: str = DEFAULT_WORKSPACE) -> None:
        self._call("DELETE", paths.version(workspace, name, number))

    def artifact_path(self, version: ModelVersion) -> Path:
        path = paths.version(version.workspace, version.model, version.number) + "/artifact"

        def chunks() -> Iterator[bytes]:
            with (
                self._unreachable(),
                self._http.stream("GET", path, timeout=TRANSFER_TIMEOUT) as response,
            ):
                if response.status_code >= 400:
                    raise error_from_response(response.status_code, response.read())
                yield from response.iter_bytes(_CHUNK)

        self.get_version(name=version.model, number=version.number, workspace=version.workspace)
        cached = self.cache.cached(version.digest, size=version.size)  # NotFound above once
        if cached is not None:  # the version is deleted, cached or not
            return cached
        with transfer(f"downloading {version.ref} from {self.url}", version.size) as progress:
            return self.cache.fetch(
                version.digest, chunks, size=version.size, progress=progress, source=self.url
            )

    def collect_orphan_blobs(self, *, dry_run: bool = False) -> dict[str, int]:
        params = {"dry_run": "true" if dry_run else "false"}
        found: dict[str, int] = self._call("POST", "/orphan-blobs/collect", params=params)[
            "orphans"
        ]
        return found

    # -- aliases ---------------------------------------------------------------------------

    def set_alias(
        self,
        *,
        name: str,
        alias: str,
        number: int,
        workspace: str = DEFAULT_WORKSPACE,
        actor: str | None = None,
    ) -> Alias:
        """As :meth:`RegistryStore.set_alias`, but the server records the change as made by
        the token's user: ``actor`` is not sent, so no client can speak for another user."""
        path = f"{paths.model(workspace, name)}/aliases/{paths.part(alias)}"
        return wire.alias_of(self._call("PUT", path, json={"version": number}))

    def delete_alias(
        self,
        *,
        name: str,
        alias: str,
        workspace: str = DEFAULT_WORKSPACE,
        actor: str | None = None,
    ) -> None:
        """As :meth:`RegistryStore.delete_alias`, recorded as :meth:`set_alias` says."""
        self._call("DELETE", f"{paths.model(workspace, name)}/aliases/{paths.part(alias)}")

    def alias_history(
        self, *, name: str, alias: str | None = None, workspace: str = DEFAULT_WORKSPACE
    ) -> list[AliasChange]:
        params = {} if alias is None else {"alias": alias}
        found = self._call("GET", paths.model(workspace, name) + "/alias-history", params=params)
        return [wire.alias_change_of(c) for c in found["changes"]]

    def list_aliases(self, *, name: str, workspace: str = DEFAULT_WORKSPACE) -> list[Alias]:
        found = self._call("GET", paths.model(workspace, name) + "/aliases")["aliases"]
        return [wire.alias_of(a) for a in found]

    # -- tags ------------------------------------------------------------------------------

    def set_model_tag(
        self, *, name: str, key: str, value: str, workspace: str = DEFAULT_WORKSPACE
    ) -> Model:
        path = f"{paths.model(workspace, name)}/tags/{paths.part(key)}"
        return wire.model_of(self._call("PUT", path, json={"value": value}))

    def delete_model_tag(self, *, name: str, key: str, workspace: str = DEFAULT_WORKSPACE) -> Model:
        return wire.model_of(
            self._call("DELETE", f"{paths.model(workspace, name)}/tags/{paths.part(key)}")
        )

    def set_version_tag(
        self, *, name: str, number: int, key: str, value: str, workspace: str = DEFAULT_WORKSPACE
    ) -> ModelVersion:
        path = f"{paths.version(workspace, name, number)}/tags/{paths.part(key)}"
        return wire.version_of(self._call("PUT", path, json={"value": value}))

    def delete_version_tag(
        self, *, name: str, number: int, key: str, workspace: str = DEFAULT_WORKSPACE
    ) -> ModelVersion:
        path = f"{paths.version(workspace, name, number)}/tags/{paths.part(key)}"
        return wire.version_of(self._call("DELETE", path))


class _Reporting:
    """A binary file that tells ``progress`` how much each read returned (what httpx sends)."""

    def __init__(self, stream: Any, progress: Advance) -> None:
        self._stream = stream
        self._progress = progress

    def read(self, size: int = -1) -> bytes:
        chunk: bytes = self._stream.read(size)
        if chunk:
            self._progress(len(chunk))
        return chunk

    def seek(self, offset: int, whence: int = 0) -> int:
        position: int = self._stream.seek(offset, whence)
        return position

    def tell(self) -> int:
        position: int = self._stream.tell()
        return position

    def fileno(self) -> int:
        descriptor: int = self._stream.fileno()
        return descriptor
