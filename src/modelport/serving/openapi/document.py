"""The OpenAPI 3.1 document of a server: every route it has, per served model, with request and
response bodies as JSON Schema derived from each model's signature, and examples.

Nothing HTTP happens here: ``build_openapi`` turns a :class:`ModelSet` (and the routes the app
really has) into a plain dict; ``protocols/docs.py`` serves it. Routes whose bodies depend on
the model are listed once per model, its name filled in (``/v1/models/iris/predict``); the
others take a ``{name}`` parameter. A route this module does not know is still listed, with its
path parameters. The bodies themselves come from ``bodies``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

from modelport import __version__
from modelport.codecs.json_frames import ORIENTS
from modelport.serving.models import ModelSet
from modelport.serving.openapi import bodies
from modelport.serving.openapi.bodies import JSON, Served, identifier, media
from modelport.serving.openapi.components import (
    ERROR_RESPONSES,
    SHARED_SCHEMAS,
    error_refs,
    ref,
)
from modelport.serving.openapi.documented import Paths

OPENAPI_VERSION = "3.1.0"
RouteKey = tuple[str, str]
"""A route as (HTTP method, Starlette path template), e.g. ("POST", "/v1/models/{name}:predict")."""

FORMAT_PARAMETER: dict[str, Any] = {
    "name": "format",
    "in": "query",
    "required": False,
    "description": "How a JSON body holds its rows: `records` (a list of objects), `split` "
    '(`{"columns": [...], "data": [[...]]}`) or `columns` (`{"column": [values]}`); '
    "read from the body's shape when absent.",
    "schema": {"type": "string", "enum": [*ORIENTS, *(f"pandas-{o}" for o in ORIENTS)]},
}
V2_HEADER_LENGTH: dict[str, Any] = {
    "name": "Inference-Header-Content-Length",
    "in": "header",
    "required": False,
    "description": "For a binary body: the length of its JSON header in bytes.",
    "schema": {"type": "integer", "minimum": 0},
}
_PREDICT_ERRORS = (400, 404, 406, 413, 415, 422, 500, 504)
_KSERVE_ERRORS = (400, 404, 413, 422, 500, 504)
_V2_INFER_ERRORS = (400, 404, 413, 415, 422, 500, 504)
_SERVER_TAG = "server"
_MODELS_TAG = "models"


class _Document:
    """The document being built: the served models, paths and component schemas."""

    def __init__(self, models: ModelSet) -> None:
        self.served = bodies.served_models(models)
        self.names = sorted({s.name for s in self.served})
        self.versions = sorted({s.version for s in self.served})
        self.paths: dict[str, dict[str, Any]] = {}
        self.schemas: dict[str, Any] = dict(SHARED_SCHEMAS)
        for s in self.served:
            self.schemas.update(s.schemas())

    def add(self, method: str, path: str, operation: dict[str, Any]) -> None:
        """List ``operation``, unless the path already has one for ``method`` (documented by
        its route)."""
        self.paths.setdefault(path, {}).setdefault(method.lower(), operation)

    def name_parameters(self, versioned: bool) -> list[dict[str, Any]]:
        """``{name}`` (and ``{version}``) path parameters, listing what is served."""
        found = [_path_parameter("name", "A served model's name.", self.names)]
        if versioned:
            found.append(_path_parameter("version", "A served version.", self.versions))
        return found

    def tags(self) -> list[dict[str, str]]:
        tags = []
        for s in self.served:
            if s.default:
                description = str(s.runtime.metadata.get("description") or "")
                tags.append(
                    {"name": s.name, **({"description": description} if description else {})}
                )
        tags.sort(key=lambda tag: tag["name"])
        tags.append({"name": _MODELS_TAG, "description": "Readiness and metadata of the models."})
        tags.append({"name": _SERVER_TAG, "description": "Health, metrics and this document."})
        return tags


def _path_parameter(name: str, description: str, values: list[str]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if values:
        schema["enum"] = values
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema,
    }


def _operation_id(prefix: str, s: Served, versioned: bool) -> str:
    return identifier(f"{prefix}_{s.name}" + (f"_v{s.version}" if versioned else ""))


# --- one operation per served model ------------------------------------------------------------


def _native_predict(doc: _Document, s: Served, versioned: bool) -> dict[str, Any]:
    return {
        "tags": [s.name],
        "summary": f"Predict with {s.name}" + (f" version {s.version}" if versioned else ""),
        "description": "Send rows as JSON, CSV with a header row, an Arrow IPC stream or a "
        "Parquet file; every row is checked against the model's inputs first.",
        "operationId": _operation_id("predict", s, versioned),
        "parameters": [FORMAT_PARAMETER],
        "requestBody": {"required": True, "content": bodies.native_request(s)},
        "responses": {"200": bodies.native_answer(s), **error_refs(_PREDICT_ERRORS)},
    }


def _kserve_predict(doc: _Document, s: Served, versioned: bool) -> dict[str, Any]:
    return {
        "tags": [s.name],
        "summary": f"Predict with {s.name} (KServe V1)",
        "operationId": _operation_id("kserve_predict", s, versioned),
        "requestBody": {"required": True, "content": bodies.kserve_request(s)},
        "responses": {
            "200": {
                "description": "One prediction per instance: the value for a model with one "
                "output, an object for several.",
                "content": bodies.kserve_answer(s),
            },
            **error_refs(_KSERVE_ERRORS),
        },
    }


def _v2_infer(doc: _Document, s: Served, versioned: bool) -> dict[str, Any]:
    header = {"description": V2_HEADER_LENGTH["description"], "schema": V2_HEADER_LENGTH["schema"]}
    return {
        "tags": [s.name],
        "summary": f"Infer with {s.name} (Open Inference Protocol V2)",
        "description": "Tensors as JSON, or with the binary tensor data extension: the JSON "
        "header, then the raw tensor bytes, its length in Inference-Header-Content-Length.",
        "operationId": _operation_id("v2_infer", s, versioned),
        "parameters": [V2_HEADER_LENGTH],
        "requestBody": {"required": True, "content": bodies.v2_request(s)},
        "responses": {
            "200": {
                "description": "The output tensors.",
                "headers": {V2_HEADER_LENGTH["name"]: header},
                "content": bodies.v2_answer(s),
            },
            **error_refs(_V2_INFER_ERRORS),
        },
    }


# --- one operation for every model ---------------------------------------------------------------


def _readiness(protocol: str, operation_id: str) -> Callable[[_Document, bool], dict[str, Any]]:
    def operation(doc: _Document, versioned: bool) -> dict[str, Any]:
        ready = media(ref("ModelReadiness"))
        return {
            "tags": [_MODELS_TAG],
            "summary": f"Whether a model is ready ({protocol})",
            "operationId": operation_id + ("_versioned" if versioned else ""),
            "parameters": doc.name_parameters(versioned),
            "responses": {
                "200": {"description": "Ready.", "content": {JSON: ready}},
                "503": {"description": "Still loading.", "content": {JSON: ready}},
                **error_refs((404,)),
            },
        }

    return operation


def _v2_model_metadata(doc: _Document, versioned: bool) -> dict[str, Any]:
    examples = {}
    for s in doc.served:
        if s.default or versioned:
            versions = sorted(o.version for o in doc.served if o.name == s.name)
            examples[s.key] = {
                "summary": f"{s.name} version {s.version}" if versioned else s.name,
                "value": bodies.v2_metadata(s, versions),
            }
    content: dict[str, Any] = {"schema": ref("V2ModelMetadata")}
    if examples:
        content["examples"] = examples
    return {
        "tags": [_MODELS_TAG],
        "summary": "A model's inputs and outputs as tensors (Open Inference Protocol V2)",
        "operationId": "v2_model_metadata" + ("_versioned" if versioned else ""),
        "parameters": doc.name_parameters(versioned),
        "responses": {
            "200": {"description": "The model's metadata.", "content": {JSON: content}},
            **error_refs((404,)),
        },
    }


def _server(
    operation_id: str, summary: str, content: dict[str, Any], not_ready: bool = False
) -> Callable[[_Document, bool], dict[str, Any]]:
    responses: dict[str, Any] = {"200": {"description": "OK.", "content": content}}
    if not_ready:
        content_503 = {JSON: media(ref("Readiness"))}
        responses["503"] = {"description": "A model is still loading.", "content": content_503}

    def operation(doc: _Document, versioned: bool) -> dict[str, Any]:
        return {
            "tags": [_SERVER_TAG],
            "summary": summary,
            "operationId": operation_id,
            "responses": responses,
        }

    return operation


_INDEX_ENTRY = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "version": {"type": "string"},
        "state": {"type": "string", "enum": ["READY", "LOADING"]},
    },
    "required": ["name", "version", "state"],
}


def _repository_index(doc: _Document, versioned: bool) -> dict[str, Any]:
    operation = _server(
        "v2_repository_index",
        "Every model served: name, version and state (READY or LOADING)",
        {JSON: media({"type": "array", "items": _INDEX_ENTRY})},
    )(doc, versioned)
    ready_only = {"type": "object", "properties": {"ready": {"type": "boolean"}}}
    operation["responses"].update(error_refs((400, 422)))
    operation["requestBody"] = {
        "required": False,
        "description": 'Optional: `{"ready": true}` lists the ready models only.',
        "content": {JSON: {"schema": ready_only, "example": {"ready": True}}},
    }
    return operation


# --- assembling the document ---------------------------------------------------------------------

_PER_MODEL: dict[RouteKey, Callable[[_Document, Served, bool], dict[str, Any]]] = {
    ("POST", "/v1/models/{name}/predict"): _native_predict,
    ("POST", "/v1/models/{name}/versions/{version}/predict"): _native_predict,
    ("POST", "/v1/models/{name}:predict"): _kserve_predict,
    ("POST", "/v2/models/{name}/infer"): _v2_infer,
    ("POST", "/v2/models/{name}/versions/{version}/infer"): _v2_infer,
}
_SHARED: dict[RouteKey, Callable[[_Document, bool], dict[str, Any]]] = {
    ("GET", "/v1/models/{name}"): _readiness("KServe V1", "kserve_model_ready"),
    ("GET", "/v2/models/{name}"): _v2_model_metadata,
    ("GET", "/v2/models/{name}/versions/{version}"): _v2_model_metadata,
    ("GET", "/v2/models/{name}/ready"): _readiness("Open Inference Protocol V2", "v2_model_ready"),
    ("GET", "/v2/models/{name}/versions/{version}/ready"): _readiness(
        "Open Inference Protocol V2", "v2_model_ready"
    ),
    ("GET", "/v2/health/live"): _server(
        "v2_live", "Whether the server is up", {JSON: media(ref("Liveness"))}
    ),
    ("GET", "/v2/health/ready"): _server(
        "v2_ready", "Whether every model is ready", {JSON: media(ref("Readiness"))}, True
    ),
    ("GET", "/v2"): _server(
        "v2_server_metadata",
        "Server name, version and extensions (Open Inference Protocol V2)",
        {JSON: media(ref("V2ServerMetadata"))},
    ),
    ("POST", "/v2/repository/index"): _repository_index,
    ("GET", "/metrics"): _server(
        "metrics", "Prometheus metrics", {"text/plain": media({"type": "string"})}
    ),
    ("GET", "/openapi.json"): _server(
        "openapi", "This OpenAPI document", {JSON: media({"type": "object"})}
    ),
}
_STREAMED = {
    ("POST", "/v1/models/{name}/predict"),
    ("POST", "/v1/models/{name}/versions/{version}/predict"),
}
"""The routes a streaming model answers on."""
KNOWN_ROUTES: tuple[RouteKey, ...] = (*_PER_MODEL, *_SHARED)
"""Every route this module documents in full, in the order the document lists them."""


def build_openapi(
    models: ModelSet,
    routes: Iterable[RouteKey] | None = None,
    *,
    title: str = "modelport",
    documented: Paths | None = None,
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of a server answering for ``models`` on ``routes`` (by default
    every route in :data:`KNOWN_ROUTES`); the operations ``documented`` by the routes themselves
    (a convention's, ``openapi.documented``) are listed as given, in place of what this module
    would say of the same method and path."""
    doc = _Document(models)
    for path, operations in (documented or {}).items():
        for method, operation in operations.items():
            doc.add(method, path, operation)
    ordered = KNOWN_ROUTES if routes is None else sorted(routes, key=_known_first)
    for method, path in ordered:
        _document_route(doc, method, path)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": title, "version": __version__, "description": _info(doc)},
        "tags": doc.tags(),
        "paths": doc.paths,
        "components": {"schemas": doc.schemas, "responses": ERROR_RESPONSES},
    }


def _known_first(key: RouteKey) -> int:
    """Known routes in the order of KNOWN_ROUTES (a model's own predict first), others last."""
    return KNOWN_ROUTES.index(key) if key in KNOWN_ROUTES else len(KNOWN_ROUTES)


def _document_route(doc: _Document, method: str, path: str) -> None:
    key = (method, path)
    versioned = "{version}" in path
    if key in _PER_MODEL:
        for s in doc.served:
            if s.runtime.streams and key not in _STREAMED:
                continue  # its chunks answer on the native route only (streaming.py)
            if versioned or s.default:
                concrete = path.replace("{name}", quote(s.name, safe=""))
                concrete = concrete.replace("{version}", quote(s.version, safe=""))
                doc.add(method, concrete, _PER_MODEL[key](doc, s, versioned))
    elif key in _SHARED:
        doc.add(method, path, _unclaimed(doc, method, path, _SHARED[key](doc, versioned)))
    else:
        _undocumented(doc, method, path)


def _unclaimed(doc: _Document, method: str, path: str, operation: dict[str, Any]) -> dict[str, Any]:
    """``operation`` with its ``{name}`` choices less the models whose own path a convention's
    route describes (a DEEPaaS model's ``/v2/models/{name}`` is DEEPaaS's metadata)."""
    for parameter in operation.get("parameters", []):
        names = parameter["schema"].get("enum") if parameter["name"] == "name" else None
        if names:
            concrete = {n: path.replace("{name}", quote(n, safe="")) for n in names}
            kept = [n for n in names if method.lower() not in doc.paths.get(concrete[n], {})]
            parameter["schema"]["enum"] = kept or names
    return operation


def _undocumented(doc: _Document, method: str, path: str) -> None:
    """A route this module does not know: listed with its path parameters."""
    template = re.sub(r"\{([^}:]+):[^}]*\}", r"{\1}", path)
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"\{([^}]+)\}", template)
    ]
    doc.add(
        method,
        template,
        {
            "summary": f"{method} {template}",
            "operationId": identifier(f"{method.lower()}_{template}"),
            "parameters": parameters,
            "responses": {"200": {"description": "OK."}, **error_refs((404, 500))},
        },
    )


def _info(doc: _Document) -> str:
    if not doc.served:
        return "No model is served here."
    lines = ["Models served here:", ""]
    for s in doc.served:
        description = s.runtime.metadata.get("description")
        line = f"- **{s.name}** version {s.version}"
        lines.append(f"{line}: {description}" if description else line)
    lines += ["", "Errors are RFC 9457 problem details (`application/problem+json`)."]
    return "\n".join(lines)
