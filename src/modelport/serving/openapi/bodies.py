"""What each served model's request and response bodies look like, per protocol: the JSON
Schemas (from ``schema.to_json_schema`` and ``schema.to_v2_tensor_metadata``) and examples
that ``document`` puts into its operations."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from modelport.codecs.arrow_ipc import ARROW_FILE, ARROW_STREAM, PARQUET
from modelport.codecs.csv import CSV
from modelport.schema import Signature, to_json_schema, to_v2_tensor_metadata
from modelport.serving.models import ModelSet
from modelport.serving.openapi import examples as ex
from modelport.serving.openapi.components import (
    BINARY,
    ref,
    v2_inference_request,
    v2_inference_response,
)
from modelport.serving.runtime import ModelRuntime
from modelport.serving.streaming import EVENT_STREAM, NDJSON

JSON = "application/json"
OCTETS = "application/octet-stream"
Content = dict[str, Any]
"""An OpenAPI ``content`` map: media type -> {schema, example(s)}."""


@dataclass
class Served:
    """One served model version, with the names and examples the document gives it."""

    runtime: ModelRuntime
    version: str
    default: bool
    """It answers the routes without a version."""
    key: str
    """Prefix of its component names (``iris``, or ``iris.v2`` when several versions serve)."""
    inputs: list[ex.Record] = field(default_factory=list)
    outputs: list[ex.Record] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.runtime.name

    @property
    def signature(self) -> Signature:
        return self.runtime.signature

    @property
    def free_form(self) -> bool:
        return self.signature.free_form or not self.signature.inputs

    @property
    def typed_inputs(self) -> bool:
        """Its inputs are checked and cast to their declared types (not for a convention whose
        platform passes values on as sent: Qwak)."""
        return self.runtime.validator.typed

    @property
    def declares_outputs(self) -> bool:
        return bool(self.signature.outputs) and not self.signature.free_form

    def input_row(self) -> dict[str, Any]:
        """The schema of one input row: a reference, or any JSON for a free-form model."""
        return {} if self.free_form else ref(f"{self.key}.Input")

    def output_row(self) -> dict[str, Any]:
        return ref(f"{self.key}.Output") if self.declares_outputs else {}

    def schemas(self) -> dict[str, Any]:
        """Its ``components.schemas``: input and output rows, V2 request and response."""
        found = {
            f"{self.key}.V2InferenceRequest": v2_inference_request(self.signature),
            f"{self.key}.V2InferenceResponse": v2_inference_response(self.signature),
        }
        if not self.free_form:
            row = _row(self.signature, "inputs", f"{self.name} input row")
            if not self.typed_inputs:  # any values; a row may lack a column others hold
                row["properties"] = {key: {} for key in row.get("properties", {})}
                row.pop("required", None)
            found[f"{self.key}.Input"] = row
        if self.declares_outputs:
            found[f"{self.key}.Output"] = _row(self.signature, "outputs", f"{self.name} answer")
        return found


def _row(signature: Signature, side: str, title: str) -> dict[str, Any]:
    row = {"title": title, **to_json_schema(signature, side=side)}
    if side == "outputs":
        for schema in row.get("properties", {}).values():
            if schema.get("type") == "number":  # a float the model answered may not be finite
                schema["type"] = ["number", "null"]
                schema.setdefault("description", NOT_FINITE)
    return row


NOT_FINITE = "null where the value is not finite (NaN or an infinity, which JSON cannot hold)."


def served_models(models: ModelSet) -> list[Served]:
    """Every runtime of ``models`` as the document names it."""
    runtimes = models.all()
    counts: dict[str, int] = {}
    for runtime in runtimes:
        counts[runtime.name] = counts.get(runtime.name, 0) + 1
    taken: set[str] = set()
    served = []
    for runtime in runtimes:
        version = str(runtime.version) if runtime.version is not None else "1"
        key = identifier(runtime.name, ".-_")
        if counts[runtime.name] > 1:
            key += f".v{identifier(version, '.-_')}"
        while key in taken:
            key += "_"
        taken.add(key)
        inputs = ex.input_rows(runtime.signature, runtime.example)
        outputs = ex.output_rows(runtime.signature, len(inputs))
        default = models.get(runtime.name) is runtime
        served.append(Served(runtime, version, default, key, inputs, outputs))
    return served


def identifier(text: str, allowed: str = "_") -> str:
    """``text`` with every character outside [A-Za-z0-9] and ``allowed`` turned into ``_``."""
    return re.sub(rf"[^A-Za-z0-9{re.escape(allowed)}]", "_", text) or "_"


def media(schema: dict[str, Any], example: Any = None) -> dict[str, Any]:
    """A media type object with its schema and, when there is one, its example."""
    found: dict[str, Any] = {"schema": schema}
    if example is not None:
        found["example"] = example
    return found


def binary(media_type: str) -> dict[str, Any]:
    return {"schema": {**BINARY, "contentMediaType": media_type}}


# --- modelport's native routes ------------------------------------------------------------------


def native_request(s: Served) -> Content:
    """JSON rows (records, split or columns), CSV, Arrow IPC stream or Parquet."""
    fields = s.signature.inputs
    content: Content = {}
    if s.free_form:
        content[JSON] = media({}, s.inputs or None)
    else:
        content[JSON] = {"schema": {"anyOf": [_records(s), _split(), _columns(s)]}}
        if s.inputs:
            names = [f.name for f in fields]
            content[JSON]["examples"] = {
                "records": {"summary": "records (the default)", "value": s.inputs},
                "split": {"summary": "split", "value": ex.split_form(s.inputs, names)},
                "columns": {"summary": "columns", "value": ex.columns_form(s.inputs, names)},
            }
    content[CSV] = media({"type": "string"}, ex.csv_text(s.inputs, fields))
    content[ARROW_STREAM] = binary(ARROW_STREAM)
    content[ARROW_FILE] = binary(ARROW_FILE)
    content[PARQUET] = binary(PARQUET)
    return content


def _records(s: Served) -> dict[str, Any]:
    return {"title": "records", "type": "array", "items": s.input_row(), "minItems": 1}


def _split() -> dict[str, Any]:
    return {
        "title": "split",
        "type": "object",
        "properties": {
            "columns": {"type": "array", "items": {"type": "string"}},
            "data": {"type": "array", "items": {"type": "array"}, "minItems": 1},
        },
        "required": ["columns", "data"],
    }


def _columns(s: Served) -> dict[str, Any]:
    fields = s.signature.inputs
    columns: dict[str, Any] = {
        "title": "columns",
        "type": "object",
        "properties": {
            f.name: {
                "type": "array",
                "items": to_json_schema(f) if s.typed_inputs else {},
                "minItems": 1,
            }
            for f in fields
        },
        "required": [f.name for f in fields if not f.nullable],
    }
    if s.signature.strict:
        columns["additionalProperties"] = False
    return columns


def native_answer(s: Served) -> dict[str, Any]:
    """The 200 response: JSON records, Arrow or CSV; chunks for a streaming model."""
    if s.runtime.streams:
        return {
            "description": "The model's answer, chunk by chunk as it produces them: one JSON "
            "value per line, or server-sent events when Accept asks for text/event-stream.",
            "content": {
                NDJSON: {"schema": {"type": "string"}},
                EVENT_STREAM: {"schema": {"type": "string"}},
            },
        }
    return {
        "description": "One answer per input row, as JSON records unless Accept asks for an "
        "Arrow IPC stream or CSV.",
        "content": {
            JSON: media({"type": "array", "items": s.output_row()}, s.outputs or None),
            ARROW_STREAM: binary(ARROW_STREAM),
            ARROW_FILE: binary(ARROW_FILE),
            CSV: media({"type": "string"}, ex.csv_text(s.outputs, s.signature.outputs)),
        },
    }


# --- KServe V1 ----------------------------------------------------------------------------------


def kserve_request(s: Served) -> Content:
    schema = {
        "type": "object",
        "properties": {"instances": {"type": "array", "items": s.input_row(), "minItems": 1}},
        "required": ["instances"],
    }
    return {JSON: media(schema, {"instances": s.inputs} if s.inputs else None)}


def kserve_answer(s: Served) -> Content:
    """``{"predictions": [...]}``: the value itself for one output, an object for several."""
    outputs = s.signature.outputs
    if len(outputs) == 1 and s.declares_outputs:
        prediction = to_json_schema(outputs[0])
        if prediction.get("type") == "number":  # a float the model answered may not be finite
            prediction["type"] = ["number", "null"]
            prediction.setdefault("description", NOT_FINITE)
        predictions = [row[outputs[0].name] for row in s.outputs]
    else:
        prediction, predictions = s.output_row(), list(s.outputs)
    schema = {
        "type": "object",
        "properties": {"predictions": {"type": "array", "items": prediction}},
        "required": ["predictions"],
    }
    return {JSON: media(schema, {"predictions": predictions} if predictions else None)}


# --- Open Inference Protocol V2 -------------------------------------------------------------------


def v2_request(s: Served) -> Content:
    """Input tensors as JSON, or as the binary tensor data extension's body."""
    tensors = ex.v2_tensors(s.inputs, s.signature.inputs)
    example = {"inputs": tensors} if tensors is not None else None
    schema = ref(f"{s.key}.V2InferenceRequest")
    return {JSON: media(schema, example), OCTETS: {"schema": BINARY}}


def v2_answer(s: Served) -> Content:
    tensors = ex.v2_tensors(s.outputs, s.signature.outputs)
    example = None
    if tensors is not None:
        example = {"model_name": s.name, "model_version": s.version, "outputs": tensors}
    schema = ref(f"{s.key}.V2InferenceResponse")
    return {JSON: media(schema, example), OCTETS: {"schema": BINARY}}


def v2_metadata(s: Served, versions: list[str]) -> dict[str, Any]:
    """The model metadata a V2 client reads, from ``schema.to_v2_tensor_metadata``."""
    return {
        "name": s.name,
        "versions": versions,
        "platform": "modelport",
        "inputs": [to_v2_tensor_metadata(f) for f in s.signature.inputs],
        "outputs": [to_v2_tensor_metadata(f) for f in s.signature.outputs],
    }
