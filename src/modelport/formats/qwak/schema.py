"""A Qwak ``ModelSchema`` as a modelport Signature.

Read by attribute, so the compatibility classes and the real SDK's both work: ``inputs`` (and
``entities``, which a request also carries) become inputs, ``outputs`` the outputs; the older
``features`` / ``predictions`` / ``inference_output`` names are read too. As on Qwak, requests
are not checked against the declared types, and columns the schema does not declare reach
``predict`` too (``QwakServable.checks_input_types``): only a missing declared input is refused.
"""

from __future__ import annotations

from typing import Any

from modelport.errors import ConfigError
from modelport.schema import Field, Signature

INPUT_ATTRIBUTES = ("entities", "inputs", "features")
OUTPUT_ATTRIBUTES = ("outputs", "predictions", "inference_output")
_TYPE_NAMES = {"float": float, "int": int, "integer": int, "str": str, "string": str, "bool": bool}


def signature_of(declared: Any) -> Signature:
    """The Signature of what ``schema()`` returned (free-form when it returned nothing)."""
    if declared is None:
        return Signature(strict=False, free_form=True)
    if isinstance(declared, Signature):
        return declared
    inputs = _fields(declared, INPUT_ATTRIBUTES)
    outputs = _fields(declared, OUTPUT_ATTRIBUTES)
    if not inputs and not outputs:
        raise ConfigError(
            f"schema() returned {type(declared).__name__} with no inputs and no outputs",
            hint="return ModelSchema(inputs=[ExplicitFeature(name=..., type=...)], "
            "outputs=[InferenceOutput(name=..., type=...)])",
        )
    return Signature(inputs=inputs, outputs=outputs, strict=False)


def _fields(schema: Any, attributes: tuple[str, ...]) -> list[Field]:
    found: list[Field] = []
    seen: set[str] = set()
    for attribute in attributes:
        for item in getattr(schema, attribute, None) or ():
            field = _field(item)
            if field.name not in seen:
                seen.add(field.name)
                found.append(field)
    return found


def _field(item: Any) -> Field:
    name = getattr(item, "name", None)
    if not isinstance(name, str) or not name:
        raise ConfigError(
            f"schema() holds a {type(item).__name__} without a name",
            hint="give every ExplicitFeature / InferenceOutput a name=",
        )
    declared = getattr(item, "type", None)
    if declared is None:
        declared = float
    elif isinstance(declared, str):
        declared = _TYPE_NAMES.get(declared.lower(), declared)
    try:
        return Field(name, declared, nullable=True)
    except ConfigError as exc:
        raise ConfigError(
            f"schema(): {exc.message}",
            hint="use type=float, int, str or bool (or a numpy dtype)",
            field=name,
        ) from None
