"""The OpenAPI 3.1 document of a server: every route it has, per served model, with request and
response bodies as JSON Schema derived from each model's signature, and examples.

Nothing HTTP happens here: ``build_openapi`` turns a :class:`ModelSet` (and the routes the app
really has) into a plain dict; ``protocols/docs.py`` serves it. Routes this module knows get
full operations, with the model name filled in for those whose bodies depend on the model
(``/v1/models/iris/predict``) and a ``{name}`` parameter for the others; a route it does not
know is still listed, with its path parameters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from modelport import __version__
from modelport.codecs.arrow_ipc import ARROW_STREAM, PARQUET
from modelport.codecs.csv import CSV
from modelport.schema import Signature, to_json_schema, to_v2_tensor_metadata
from modelport.serving import openapi_examples as ex
from modelport.serving.models import ModelSet
from modelport.serving.openapi_components import (
    BINARY,
    ERROR_RESPONSES,
    SHARED_SCHEMAS,
    error_refs,
    ref,
    v2_inference_request,
    v2_inference_response,
)
from modelport.serving.runtime import ModelRuntime
from modelport.serving.streaming import EVENT_STREAM, NDJSON

OPENAPI_VERSION = "3.1.0"
JSON = "application/json"
RouteKey = tuple[str, str]
"""A route as (HTTP method, Starlette path template), e.g. ("POST", "/v1/models/{name}:predict")."""

FORMAT_PARAMETER: dict[str, Any] = {
    "name": "format",
    "in": "query",
    "required": False,
    "description": "How a JSON body holds its rows: `records` (a list of objects), `split` "
    '(`{"columns": [...], "data": [[...]]}`) or `columns` (`{"column": [values]}`); '
    "read from the body's shape when absent.",
    "schema": {"type": "string", "enum": ["records", "split", "columns"]},
}
V2_HEADER_LENGTH: dict[str, Any] = {
    "name": "Inference-Header-Content-Length",
    "in": "header",
    "required": False,
    "description": "For a binary body: the length of its JSON header in bytes.",
    "schema": {"type": "integer", "minimum": 0},
}
OCTETS = "application/octet-stream"
_PREDICT_ERRORS = (400, 404, 406, 413, 415, 422, 500, 504)
_JSON_PREDICT_ERRORS = (400, 404, 413, 422, 500, 504)
_V2_INFER_ERRORS = (400, 404, 413, 415, 422, 500, 504)
_SERVER_TAG = "server"
_MODELS_TAG = "models"


@dataclass
class Served:
    """One served model version as the document names it."""

    runtime: ModelRuntime
    version: str
    default: bool
    key: str
    """Prefix of its component names (``iris``, or ``iris.v2`` when several versions serve)."""
    inputs: list[ex.Record] = field(default_factory=list)
    outputs: list[ex.Record] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.runtime.name

    @property
    def free_form(self) -> bool:
        signature = self.runtime.signature
        return signature.free_form or not signature.inputs


class _Document:
    """The document being built: paths and component schemas."""

    def __init__(self, models: ModelSet) -> None:
        self.served = _served(models)
        self.names = sorted({s.name for s in self.served})
        self.versions = sorted({s.version for s in self.served})
        self.paths: dict[str, dict[str, Any]] = {}
        self.schemas: dict[str, Any] = dict(SHARED_SCHEMAS)
        for s in self.served:
            self._add_model_schemas(s)

    def _add_model_schemas(self, s: Served) -> None:
        signature = s.runtime.signature
        if not s.free_form:
            self.schemas[f"{s.key}.Input"] = _row_schema(signature, "inputs", f"{s.name} input row")
        if signature.outputs and not signature.free_form:
            self.schemas[f"{s.key}.Output"] = _row_schema(signature, "outputs", f"{s.name} answer")
        self.schemas[f"{s.key}.V2InferenceRequest"] = v2_inference_request(signature)
        self.schemas[f"{s.key}.V2InferenceResponse"] = v2_inference_response(signature)

    def add(self, method: str, path: str, operation: dict[str, Any]) -> None:
        self.paths.setdefault(path, {})[method.lower()] = operation

    def input_schema(self, s: Served) -> dict[str, Any]:
        return {} if s.free_form else ref(f"{s.key}.Input")

    def output_schema(self, s: Served) -> dict[str, Any]:
        return ref(f"{s.key}.Output") if f"{s.key}.Output" in self.schemas else {}

    def name_parameter(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string"}
        if self.names:
            schema["enum"] = self.names
        return _path_parameter("name", "A served model's name.", schema)

    def version_parameter(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string"}
        if self.versions:
            schema["enum"] = self.versions
        return _path_parameter("version", "One of the model's served versions.", schema)

    def tags(self) -> list[dict[str, str]]:
        tags = []
        for name in self.names:
            description = self._description(name)
            tags.append({"name": name, **({"description": description} if description else {})})
        tags.append({"name": _MODELS_TAG, "description": "Readiness and metadata of the models."})
        tags.append({"name": _SERVER_TAG, "description": "Health, metrics and this document."})
        return tags

    def _description(self, name: str) -> str:
        for s in self.served:
            if s.name == name and s.default:
                return str(s.runtime.servable.metadata.get("description") or "")
        return ""


def _row_schema(signature: Signature, side: str, title: str) -> dict[str, Any]:
    """The JSON Schema of one row of ``side``, titled."""
    return {"title": title, **to_json_schema(signature, side=side)}


def _served(models: ModelSet) -> list[Served]:
    runtimes = models.all()
    counts: dict[str, int] = {}
    for runtime in runtimes:
        counts[runtime.name] = counts.get(runtime.name, 0) + 1
    taken: set[str] = set()
    served = []
    for runtime in runtimes:
        version = str(runtime.version) if runtime.version is not None else "1"
        base = _identifier(runtime.name, ".-_")
        key = base if counts[runtime.name] == 1 else f"{base}.v{_identifier(version, '.-_')}"
        while key in taken:
            key += "_"
        taken.add(key)
        signature = runtime.signature
        inputs = ex.input_rows(signature, runtime.servable.example)
        outputs = ex.output_rows(signature, len(inputs))
        default = models.get(runtime.name) is runtime
        served.append(Served(runtime, version, default, key, inputs, outputs))
    return served


def _identifier(text: str, allowed: str = "_") -> str:
    return re.sub(rf"[^A-Za-z0-9{re.escape(allowed)}]", "_", text) or "_"


def _path_parameter(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema,
    }


def _json(schema: dict[str, Any], example: Any = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": schema}
    if example is not None:
        media["example"] = example
    return media


def _operation_id(prefix: str, s: Served, versioned: bool) -> str:
    suffix = f"_v{s.version}" if versioned else ""
    return _identifier(f"{prefix}_{s.name}{suffix}")


# --- modelport's native routes ----------------------------------------------------------------


def _native_request(doc: _Document, s: Served) -> dict[str, Any]:
    fields = s.runtime.signature.inputs
    names = [f.name for f in fields]
    content: dict[str, Any] = {}
    if s.free_form:
        content[JSON] = _json({}, s.inputs or None)
    else:
        columns: dict[str, Any] = {
            "title": "columns",
            "type": "object",
            "properties": {f.name: {"type": "array", "items": to_json_schema(f)} for f in fields},
            "required": [f.name for f in fields if not f.nullable],
        }
        if s.runtime.signature.strict:
            columns["additionalProperties"] = False
        split = {
            "title": "split",
            "type": "object",
            "properties": {
                "columns": {"type": "array", "items": {"type": "string"}},
                "data": {"type": "array", "items": {"type": "array"}},
            },
            "required": ["columns", "data"],
        }
        records = {"title": "records", "type": "array", "items": doc.input_schema(s)}
        content[JSON] = {"schema": {"anyOf": [records, split, columns]}}
        if s.inputs:
            content[JSON]["examples"] = {
                "records": {"summary": "records (the default)", "value": s.inputs},
                "split": {"summary": "split", "value": ex.split_form(s.inputs, names)},
                "columns": {"summary": "columns", "value": ex.columns_form(s.inputs, names)},
            }
    content[CSV] = _json({"type": "string"}, ex.csv_text(s.inputs, fields))
    content[ARROW_STREAM] = {"schema": {**BINARY, "contentMediaType": ARROW_STREAM}}
    content[PARQUET] = {"schema": {**BINARY, "contentMediaType": PARQUET}}
    return content


def _native_answer(doc: _Document, s: Served) -> dict[str, Any]:
    if s.runtime.streams:
        return {
            "description": "The model's answer, chunk by chunk as it produces them: one JSON "
            "value per line, or server-sent events when Accept asks for text/event-stream.",
            "content": {
                NDJSON: {"schema": {"type": "string"}},
                EVENT_STREAM: {"schema": {"type": "string"}},
            },
        }
    outputs = s.runtime.signature.outputs
    return {
        "description": "One answer per input row, as JSON records unless Accept asks for an "
        "Arrow IPC stream or CSV.",
        "content": {
            JSON: _json({"type": "array", "items": doc.output_schema(s)}, s.outputs or None),
            ARROW_STREAM: {"schema": {**BINARY, "contentMediaType": ARROW_STREAM}},
            CSV: _json({"type": "string"}, ex.csv_text(s.outputs, outputs)),
        },
    }


def _native_predict(doc: _Document, s: Served, versioned: bool) -> dict[str, Any]:
    what = f"{s.name} version {s.version}" if versioned else s.name
    return {
        "tags": [s.name],
        "summary": f"Predict with {what}",
        "description": "Send rows as JSON, CSV with a header row, an Arrow IPC stream or a "
        "Parquet file; every row is checked against the model's inputs first.",
        "operationId": _operation_id("predict", s, versioned),
        "parameters": [FORMAT_PARAMETER],
        "requestBody": {"required": True, "content": _native_request(doc, s)},
        "responses": {"200": _native_answer(doc, s), **error_refs(_PREDICT_ERRORS)},
    }


# --- KServe V1 ----------------------------------------------------------------------------------


def _kserve_predict(doc: _Document, s: Served, versioned: bool) -> dict[str, Any]:
    outputs = s.runtime.signature.outputs
    if len(outputs) == 1 and not s.runtime.signature.free_form:
        prediction = to_json_schema(outputs[0])
        predictions = [row[outputs[0].name] for row in s.outputs]
    else:
        prediction, predictions = doc.output_schema(s), list(s.outputs)
    request = {
        "type": "object",
        "properties": {"instances": {"type": "array", "items": doc.input_schema(s)}},
        "required": ["instances"],
    }
    answer = {
        "type": "object",
        "properties": {"predictions": {"type": "array", "items": prediction}},
        "required": ["predictions"],
    }
    return {
        "tags": [s.name],
        "summary": f"Predict with {s.name} (KServe V1)",
        "operationId": _operation_id("kserve_predict", s, versioned),
        "requestBody": {
            "required": True,
            "content": {JSON: _json(request, {"instances": s.inputs} if s.inputs else None)},
        },
        "responses": {
            "200": {
                "description": "One prediction per instance: the value for a model with one "
                "output, an object for several.",
                "content": {
                    JSON: _json(answer, {"predictions": predictions} if predictions else None)
                },
            },
            **error_refs(_JSON_PREDICT_ERRORS),
        },
    }


def _kserve_ready(doc: _Document) -> None:
    ready = ref("ModelReadiness")
    doc.add(
        "GET",
        "/v1/models/{name}",
        {
            "tags": [_MODELS_TAG],
            "summary": "Whether a model is ready (KServe V1)",
            "operationId": "kserve_model_ready",
            "parameters": [doc.name_parameter()],
            "responses": {
                "200": {"description": "Ready.", "content": {JSON: _json(ready)}},
                "503": {"description": "Still loading.", "content": {JSON: _json(ready)}},
                **error_refs((404,)),
            },
        },
    )


# --- Open Inference Protocol V2 ------------------------------------------------------------------


def _v2_infer(doc: _Document, s: Served, versioned: bool) -> dict[str, Any]:
    signature = s.runtime.signature
    tensors = ex.v2_tensors(s.inputs, signature.inputs)
    answers = ex.v2_tensors(s.outputs, signature.outputs)
    answer_example = None
    if answers is not None:
        answer_example = {"model_name": s.name, "model_version": s.version, "outputs": answers}
    return {
        "tags": [s.name],
        "summary": f"Infer with {s.name} (Open Inference Protocol V2)",
        "operationId": _operation_id("v2_infer", s, versioned),
        "description": "Tensors as JSON, or with the binary tensor data extension: the "
        "JSON header, then the raw tensor bytes, its length in Inference-Header-Content-Length.",
        "parameters": [V2_HEADER_LENGTH],
        "requestBody": {
            "required": True,
            "content": {
                JSON: _json(
                    ref(f"{s.key}.V2InferenceRequest"),
                    {"inputs": tensors} if tensors is not None else None,
                ),
                OCTETS: {"schema": BINARY},
            },
        },
        "responses": {
            "200": {
                "description": "The output tensors.",
                "headers": {
                    V2_HEADER_LENGTH["name"]: {
                        "description": "With binary output: the length of the JSON header.",
                        "schema": {"type": "integer", "minimum": 0},
                    }
                },
                "content": {
                    JSON: _json(ref(f"{s.key}.V2InferenceResponse"), answer_example),
                    OCTETS: {"schema": BINARY},
                },
            },
            **error_refs(_V2_INFER_ERRORS),
        },
    }


def _v2_model_metadata(doc: _Document, versioned: bool) -> dict[str, Any]:
    examples = {}
    for s in doc.served:
        if s.default or versioned:
            signature = s.runtime.signature
            examples[s.key] = {
                "summary": f"{s.name} version {s.version}" if versioned else s.name,
                "value": {
                    "name": s.name,
                    "versions": sorted(o.version for o in doc.served if o.name == s.name),
                    "platform": "modelport",
                    "inputs": [to_v2_tensor_metadata(f) for f in signature.inputs],
                    "outputs": [to_v2_tensor_metadata(f) for f in signature.outputs],
                },
            }
    content: dict[str, Any] = {"schema": ref("V2ModelMetadata")}
    if examples:
        content["examples"] = examples
    return {
        "tags": [_MODELS_TAG],
        "summary": "A model's inputs and outputs as tensors (Open Inference Protocol V2)",
        "operationId": "v2_model_metadata" + ("_versioned" if versioned else ""),
        "parameters": _name_parameters(doc, versioned),
        "responses": {
            "200": {"description": "The model's metadata.", "content": {JSON: content}},
            **error_refs((404,)),
        },
    }


def _v2_model_ready(doc: _Document, versioned: bool) -> dict[str, Any]:
    ready = ref("ModelReadiness")
    return {
        "tags": [_MODELS_TAG],
        "summary": "Whether a model is ready (Open Inference Protocol V2)",
        "operationId": "v2_model_ready" + ("_versioned" if versioned else ""),
        "parameters": _name_parameters(doc, versioned),
        "responses": {
            "200": {"description": "Ready.", "content": {JSON: _json(ready)}},
            "503": {"description": "Still loading.", "content": {JSON: _json(ready)}},
            **error_refs((404,)),
        },
    }


def _name_parameters(doc: _Document, versioned: bool) -> list[dict[str, Any]]:
    if versioned:
        return [doc.name_parameter(), doc.version_parameter()]
    return [doc.name_parameter()]


def _server_operation(
    operation_id: str, summary: str, content: dict[str, Any], **extra: Any
) -> Callable[[_Document, str, str], None]:
    def add(doc: _Document, method: str, path: str) -> None:
        doc.add(
            method,
            path,
            {
                "tags": [_SERVER_TAG],
                "summary": summary,
                "operationId": operation_id,
                "responses": {"200": {"description": "OK.", "content": content}, **extra},
            },
        )

    return add


# --- assembling the document ---------------------------------------------------------------------

PerModel = Callable[[_Document, Served, bool], dict[str, Any]]
Generic = Callable[[_Document, bool], dict[str, Any]]
_not_ready = {"503": {"description": "Not ready.", "content": {JSON: _json(ref("Readiness"))}}}

_PER_MODEL: dict[RouteKey, PerModel] = {
    ("POST", "/v1/models/{name}/predict"): _native_predict,
    ("POST", "/v1/models/{name}/versions/{version}/predict"): _native_predict,
    ("POST", "/v1/models/{name}:predict"): _kserve_predict,
    ("POST", "/v2/models/{name}/infer"): _v2_infer,
    ("POST", "/v2/models/{name}/versions/{version}/infer"): _v2_infer,
}
_GENERIC: dict[RouteKey, Generic] = {
    ("GET", "/v2/models/{name}"): _v2_model_metadata,
    ("GET", "/v2/models/{name}/versions/{version}"): _v2_model_metadata,
    ("GET", "/v2/models/{name}/ready"): _v2_model_ready,
    ("GET", "/v2/models/{name}/versions/{version}/ready"): _v2_model_ready,
}
_SERVER: dict[RouteKey, Callable[[_Document, str, str], None]] = {
    ("GET", "/v2/health/live"): _server_operation(
        "v2_live", "Whether the server is up", {JSON: _json(ref("Liveness"))}
    ),
    ("GET", "/v2/health/ready"): _server_operation(
        "v2_ready", "Whether every model is ready", {JSON: _json(ref("Readiness"))}, **_not_ready
    ),
    ("GET", "/v2"): _server_operation(
        "v2_server_metadata",
        "Server name, version and extensions (Open Inference Protocol V2)",
        {JSON: _json(ref("V2ServerMetadata"))},
    ),
    ("GET", "/metrics"): _server_operation(
        "metrics",
        "Prometheus metrics",
        {"text/plain": _json({"type": "string"})},
    ),
    ("GET", "/openapi.json"): _server_operation(
        "openapi", "This OpenAPI document", {JSON: _json({"type": "object"})}
    ),
}
KNOWN_ROUTES: tuple[RouteKey, ...] = (
    *_PER_MODEL,
    ("GET", "/v1/models/{name}"),
    *_GENERIC,
    *_SERVER,
)
"""Every route this module documents in full, in the order the document lists them."""


def build_openapi(
    models: ModelSet,
    routes: Iterable[RouteKey] | None = None,
    *,
    title: str = "modelport",
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of a server answering for ``models`` on ``routes`` (by default
    every route in :data:`KNOWN_ROUTES`)."""
    doc = _Document(models)
    for method, path in KNOWN_ROUTES if routes is None else routes:
        _document_route(doc, method, path)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": title, "version": __version__, "description": _info(doc)},
        "tags": doc.tags(),
        "paths": doc.paths,
        "components": {"schemas": doc.schemas, "responses": ERROR_RESPONSES},
    }


def _document_route(doc: _Document, method: str, path: str) -> None:
    key = (method, path)
    if key in _PER_MODEL:
        versioned = "{version}" in path
        for s in doc.served:
            if versioned or s.default:
                concrete = path.replace("{name}", quote(s.name, safe=""))
                concrete = concrete.replace("{version}", quote(s.version, safe=""))
                doc.add(method, concrete, _PER_MODEL[key](doc, s, versioned))
    elif key == ("GET", "/v1/models/{name}"):
        _kserve_ready(doc)
    elif key in _GENERIC:
        doc.add(method, path, _GENERIC[key](doc, "{version}" in path))
    elif key in _SERVER:
        _SERVER[key](doc, method, path)
    else:
        _undocumented(doc, method, path)


def _undocumented(doc: _Document, method: str, path: str) -> None:
    """A route this module does not know: listed with its path parameters."""
    template = re.sub(r"\{([^}:]+):[^}]*\}", r"{\1}", path)
    names = re.findall(r"\{([^}]+)\}", template)
    parameters = [_path_parameter(n, "", {"type": "string"}) for n in names]
    doc.add(
        method,
        template,
        {
            "summary": f"{method} {template}",
            "operationId": _identifier(f"{method.lower()}_{template}"),
            "parameters": parameters,
            "responses": {"200": {"description": "OK."}, **error_refs((404, 500))},
        },
    )


def _info(doc: _Document) -> str:
    lines = ["Models served here:", ""]
    for s in doc.served:
        description = s.runtime.servable.metadata.get("description")
        line = f"- **{s.name}** version {s.version}"
        lines.append(f"{line}: {description}" if description else line)
    if not doc.served:
        lines = ["No model is served here."]
    lines += ["", "Errors are RFC 9457 problem details (`application/problem+json`)."]
    return "\n".join(lines)
