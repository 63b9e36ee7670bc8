"""``/openapi.json`` of the front: one document describing every served model's routes, merged
from the documents the models' workers serve.

Each worker documents its own model (``serving/openapi``): paths that name it
(``/v1/models/iris/predict``), its component schemas under its name (``iris.Input``), and the
server's routes, whose ``{name}`` parameter lists the models it serves. The merge keeps every
path the front answers or routes: those that name a served model, those with a ``{name}``
parameter (their lists of names joined), and the front's own routes; with one model served, all
of its worker's paths (the front sends every other path to it). A model that is not running is
started for its document, as a request for it would start it; each document is fetched once
(a model's routes do not change while the front runs) and the merged one kept once every model's
is in. Swagger UI at ``/docs`` shows it, as on a model's own server.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

import orjson

from modelport import __version__
from modelport.errors import ModelFailed
from modelport.serving.front.paths import model_named
from modelport.serving.front.pool import WorkerPool
from modelport.serving.openapi.document import OPENAPI_VERSION

FRONT_PATHS = frozenset(
    {"/v2/health/live", "/v2/health/ready", "/v2", "/v2/repository/index", "/metrics"}
)
"""The routes the front answers itself, for every model."""
OWN_PATH = "/openapi.json"


class FrontDocument:
    """The merged document, fetched from the workers at the first request and then kept."""

    def __init__(self, pool: WorkerPool, title: str = "modelport") -> None:
        self.pool = pool
        self.title = title
        self._documents: dict[str, dict[str, Any]] = {}
        self._body: bytes | None = None

    async def body(self) -> bytes:
        if self._body is None:
            for worker in self.pool.workers.values():
                if worker.name not in self._documents:
                    self._documents[worker.name] = await self._fetch(worker.name)
            merged = merge_documents(self._documents, title=self.title)
            self._body = orjson.dumps(merged)
        return self._body

    async def _fetch(self, name: str) -> dict[str, Any]:
        client = await self.pool.client_of(self.pool.get(name))
        answer = await client.request("GET", OWN_PATH)
        body = await answer.read()
        if answer.status != 200:
            raise ModelFailed(f"the worker of model {name} answered {OWN_PATH} {answer.status}")
        document: dict[str, Any] = orjson.loads(body)
        return document


def merge_documents(documents: dict[str, dict[str, Any]], *, title: str) -> dict[str, Any]:
    """One document from each model's (``documents``, by model name), as the module says."""
    names = list(documents)
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {}
    responses: dict[str, Any] = {}
    tags: dict[str, dict[str, Any]] = {}
    for document in documents.values():
        for path, operations in document.get("paths", {}).items():
            if len(names) > 1 and not _routed(path, names):
                continue
            _merge_path(paths.setdefault(path, {}), operations)
        components = document.get("components", {})
        for found, into in (
            (components.get("schemas", {}), schemas),
            (components.get("responses", {}), responses),
        ):
            for key, value in found.items():
                into.setdefault(key, value)
        for tag in document.get("tags", []):
            tags.setdefault(tag["name"], tag)
    listed = "\n".join(f"- **{name}**" for name in names)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": title,
            "version": __version__,
            "description": f"Models served here, each by a worker of its own:\n\n{listed}\n\n"
            "Errors are RFC 9457 problem details (`application/problem+json`).",
        },
        "tags": list(tags.values()),
        "paths": paths,
        "components": {"schemas": schemas, "responses": responses},
    }


def _routed(path: str, names: Iterable[str]) -> bool:
    """Whether the front answers ``path`` or sends it to a worker (with several models)."""
    if path in FRONT_PATHS or path == OWN_PATH:
        return True
    named = model_named(path)
    return named is not None and (named in names or named == "{name}")


def _merge_path(into: dict[str, Any], operations: dict[str, Any]) -> None:
    """``operations`` added to a path's; an operation both have takes the values of each
    enumerated parameter (the models' names and versions) from both."""
    for method, operation in operations.items():
        kept = into.get(method)
        if kept is None:
            into[method] = copy.deepcopy(operation)
            continue
        if not isinstance(operation, dict):
            continue
        for parameter in operation.get("parameters", []):
            _join_values(kept.get("parameters", []), parameter)


def _join_values(kept: list[dict[str, Any]], parameter: dict[str, Any]) -> None:
    for other in kept:
        if (other.get("name"), other.get("in")) != (parameter.get("name"), parameter.get("in")):
            continue
        values = other.get("schema", {}).get("enum")
        more = parameter.get("schema", {}).get("enum")
        if values is not None and more is not None:
            other["schema"]["enum"] = list(dict.fromkeys([*values, *more]))
