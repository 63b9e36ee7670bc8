"""What a GPPI entrypoint's ``get_info()`` (or ``info()``, as Odahu's toolchains name it) says of
its inputs and outputs, as a modelport Signature and example row.

Each side is a list of OpenAPI properties (``{"name": "x", "type": "number", "example": 1.0,
"required": true}``, what Odahu's toolchains write), or a mapping of names to properties (with or
without an enclosing ``{"properties": ...}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from modelport.errors import ConfigError
from modelport.schema import Field, Signature

OPENAPI_TYPES = {"number": "float64", "integer": "int64", "string": "string", "boolean": "bool"}


@dataclass(frozen=True)
class ModelInfo:
    """The signature ``get_info`` describes, and an example input row built from its examples."""

    signature: Signature
    example: dict[str, Any] | None
    described: bool
    """False when the entrypoint has no info function (inputs are not validated)."""


def model_info(described: Any, *, function: str = "get_info") -> ModelInfo:
    """Read what the entrypoint's info function returned."""
    if described is None:
        return ModelInfo(Signature(strict=False, free_form=True), None, False)
    inputs, outputs = _sides(described, function)
    input_properties = _properties(inputs, f"{function}() inputs")
    output_properties = _properties(outputs, f"{function}() outputs")
    if not input_properties and not output_properties:
        return ModelInfo(Signature(strict=False, free_form=True), None, True)
    signature = Signature(
        inputs=[_field(p, f"{function}() inputs") for p in input_properties],
        outputs=[_field(p, f"{function}() outputs") for p in output_properties],
        strict=False,
    )
    examples = {p["name"]: p["example"] for p in input_properties if "example" in p}
    complete = input_properties and len(examples) == len(input_properties)
    return ModelInfo(signature, examples if complete else None, True)


def _sides(described: Any, function: str) -> tuple[Any, Any]:
    if isinstance(described, Mapping):
        for inputs, outputs in (("input", "output"), ("inputs", "outputs")):
            if inputs in described or outputs in described:
                return described.get(inputs), described.get(outputs)
    if isinstance(described, tuple | list) and len(described) == 2:
        return described[0], described[1]
    raise ConfigError(
        f"{function}() returned {type(described).__name__}",
        hint="return a pair (input properties, output properties)",
        field=function,
    )


def _properties(side: Any, where: str) -> list[dict[str, Any]]:
    if side is None:
        return []
    if isinstance(side, Mapping):
        named = side.get("properties", side)
        if not isinstance(named, Mapping):
            raise ConfigError(f"{where}: properties is not a mapping", field=where)
        side = [{"name": name, **_mapping(spec, f"{where}.{name}")} for name, spec in named.items()]
    if not isinstance(side, list | tuple):
        raise ConfigError(
            f"{where} is {type(side).__name__}",
            hint="give a list of properties such as {'name': 'x', 'type': 'number'}",
            field=where,
        )
    properties = [_mapping(item, where) for item in side]
    for item in properties:
        if not isinstance(item.get("name"), str) or not item["name"]:
            raise ConfigError(f"{where}: a property has no name", hint="give each a name")
    return properties


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(
            f"{where}: {value!r} is not a property",
            hint="describe each as {'name': ..., 'type': ..., 'example': ...}",
            field=where,
        )
    return dict(value)


def _field(prop: dict[str, Any], where: str) -> Field:
    name = prop["name"]
    declared = prop.get("type")
    if declared is None:
        return Field(name, "string" if isinstance(prop.get("example"), str) else "float64")
    if declared == "array":
        items = prop.get("items") or {}
        item_type = OPENAPI_TYPES.get(str(items.get("type")) if isinstance(items, Mapping) else "")
        return Field(name, f"list<{item_type or 'float64'}>", description=_text(prop))
    type_name = OPENAPI_TYPES.get(declared)
    if type_name is None:
        raise ConfigError(
            f"{where}: property {name!r} has type {declared!r}",
            hint=f"use an OpenAPI type: {', '.join(OPENAPI_TYPES)} or array",
            field=f"{where}.{name}",
        )
    return Field(name, type_name, nullable=not prop.get("required", False), description=_text(prop))


def _text(prop: dict[str, Any]) -> str | None:
    description = prop.get("description")
    return description if isinstance(description, str) else None
