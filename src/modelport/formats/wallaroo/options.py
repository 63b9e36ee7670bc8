"""Wallaroo's build options: ``modelport build FILE --framework F --input-schema S
--output-schema S``, ``--runtime auto|onnx|framework`` (what serves a PyTorch, scikit-learn or
XGBoost model: ``native_runtime``), and an ONNX model's ``tensor_fields`` (what the SDK's
``model.configure(tensor_fields=[...])`` names: the columns feeding the graph's inputs, in order).

They reach the format's build step as text (``ModelFormat.build_step(options=...)``): the
framework's name, each schema as the base64 of ``pyarrow.Schema.serialize()`` or the path of
a pickled schema (read in the model's environment), the tensor fields separated by commas.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa

from modelport.errors import ConfigError
from modelport.formats.wallaroo.schemas import schema_to_base64

OPTION_NAMES = frozenset({"framework", "input_schema", "output_schema", "tensor_fields", "runtime"})

Schema = pa.Schema | str | Path | None
"""A ``pyarrow.Schema``, the base64 of its serialization, or the path of a pickled one."""


def upload_options(
    *,
    framework: str | None = None,
    input_schema: Schema = None,
    output_schema: Schema = None,
    tensor_fields: Sequence[str] | str | None = None,
    runtime: str | None = None,
) -> dict[str, str]:
    """The options of a Wallaroo upload, as its build step reads them (unset ones left out)."""
    options = {
        "framework": framework,
        "input_schema": _schema_text(input_schema),
        "output_schema": _schema_text(output_schema),
        "tensor_fields": (
            tensor_fields
            if tensor_fields is None or isinstance(tensor_fields, str)
            else ",".join(tensor_fields)
        ),
        "runtime": runtime,
    }
    return {key: value for key, value in options.items() if value is not None}


def read_tensor_fields(text: str) -> list[str]:
    """The column names of a ``tensor_fields`` option (``a,b`` or a JSON list)."""
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            names = json.loads(stripped)
        except ValueError:
            names = None
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ConfigError(
                f"tensor_fields {text!r} is not a list of column names",
                hint='give them as tensor_fields=["tensor"] or --tensor-fields tensor',
                field="tensor_fields",
            )
    else:
        names = [name.strip() for name in stripped.split(",")]
    if not names or not all(names):
        raise ConfigError(
            f"tensor_fields {text!r} names an empty column",
            hint="name one column per graph input, in the graph's order",
            field="tensor_fields",
        )
    return names


def _schema_text(schema: Schema) -> str | None:
    if isinstance(schema, pa.Schema):
        return schema_to_base64(schema)
    if isinstance(schema, Path) or (schema is not None and _is_file(schema)):
        return str(Path(schema).resolve())  # the build step runs in another folder
    return schema


def _is_file(text: str) -> bool:
    try:
        return Path(text).is_file()
    except OSError:  # a long base64 text is no file name
        return False
