"""The GPPI entrypoint of a modelport model exported to OMAF (``modelport export --format omaf``
copies this module into the artifact, beside the packaged modelport artifact ``model.zip``).

Odahu's model server, or any GPPI runner, imports it with ``MODEL_LOCATION`` set to its folder,
calls ``init()`` once, then ``get_info()`` and ``predict_on_matrix(matrix, column_names)``.
It needs modelport installed (the artifact's conda file asks for it).
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

MODEL_LOCATION = os.environ.get("MODEL_LOCATION", os.path.dirname(os.path.abspath(__file__)))
ARTIFACT_NAME = "model.zip"

_state: dict[str, Any] = {}


def init() -> str:
    """Unpack and load the packaged modelport model; the GPPI prediction mode is ``matrix``."""
    from modelport.artifact.reader import open_artifact
    from modelport.serving.conventions import convention
    from modelport.validation import InputValidator

    artifact = open_artifact(Path(MODEL_LOCATION) / ARTIFACT_NAME)
    root = Path(tempfile.mkdtemp(prefix="modelport-omaf-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    artifact.extract(root)
    servable = convention(artifact.manifest.source_format).load(root, artifact.manifest)
    if servable.is_streaming:
        raise RuntimeError(f"{servable.name} streams its answers, which the GPPI cannot carry")
    servable.load()
    validator = InputValidator(servable.signature, typed=servable.checks_input_types)
    _state.update(servable=servable, validator=validator)
    return "matrix"


def predict_on_matrix(
    input_matrix: list[list[Any]], provided_columns_names: list[str] | None = None
) -> tuple[list[list[Any]], tuple[str, ...]]:
    """Predict on rows of values; ``provided_columns_names`` (else the declared input order)
    says which column each value belongs to."""
    from modelport.decoded import Rows

    servable, validator = _state["servable"], _state["validator"]
    names = list(provided_columns_names or validator.names)
    rows = [dict(zip(names, row, strict=True)) for row in input_matrix]
    batch = validator.validate(Rows(rows))
    table = servable.predict(batch)
    if servable.is_async:
        table = asyncio.run(table)
    columns = tuple(table.column_names)
    return [list(row.values()) for row in table.to_pylist()], columns


def get_info() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The model's inputs and outputs as OpenAPI properties (with examples where known)."""
    from modelport.schema import to_json_schema

    servable = _state["servable"]
    example = (servable.example or [{}])[0]

    def properties(fields: Any, with_examples: bool) -> list[dict[str, Any]]:
        described = []
        for field in fields:
            kind = to_json_schema(field).get("type")
            if isinstance(kind, list):
                kind = next(k for k in kind if k != "null")
            prop = {"name": field.name, "type": kind, "required": not field.nullable}
            if with_examples and field.name in example:
                prop["example"] = example[field.name]
            described.append(prop)
        return described

    signature = servable.signature
    return properties(signature.inputs, True), properties(signature.outputs, False)
