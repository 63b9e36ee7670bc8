"""A JSON Schema from the models an OpenAPI generator wrote for a Python client (the KServe
SDK's ``kserve/models``, the Kubernetes client's ``kubernetes/client/models``): each model class
names its fields' types (``openapi_types``) and their JSON keys (``attribute_map``), and raises
``Invalid value for `X`, must not be `None``` for a required field. The modules are read, never
imported (the packages' own dependencies are not needed), and every object is closed
(``additionalProperties: false``): a misspelt key fails as ``kubectl apply`` with server-side
field validation fails it."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

_REQUIRED = re.compile(r"Invalid value for `(\w+)`, must not be `None`")
_SCALARS: dict[str, dict[str, Any]] = {
    "str": {"type": "string"},
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "bool": {"type": "boolean"},
    "object": {},  # IntOrString, free-form
    "datetime": {"type": "string"},
    "date": {"type": "string"},
}


class Model:
    """One generated class: its fields' types and JSON keys, and its required fields."""

    def __init__(self, types: dict[str, str], keys: dict[str, str], required: list[str]):
        self.types = types
        self.keys = keys
        self.required = required


def read_models(*folders: Path) -> dict[str, Model]:
    """Every generated model class in ``folders``, by class name."""
    models: dict[str, Model] = {}
    for folder in folders:
        for module in sorted(folder.glob("*.py")):
            source = module.read_text(encoding="utf-8")
            for node in ast.parse(source).body:
                if isinstance(node, ast.ClassDef):
                    found = _model(node, ast.get_source_segment(source, node) or "")
                    if found is not None:
                        models[node.name] = found
    return models


def _model(node: ast.ClassDef, source: str) -> Model | None:
    tables: dict[str, dict[str, str]] = {}
    for statement in node.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            if isinstance(target, ast.Name) and target.id in ("openapi_types", "attribute_map"):
                tables[target.id] = ast.literal_eval(statement.value)
    if set(tables) != {"openapi_types", "attribute_map"}:
        return None
    return Model(tables["openapi_types"], tables["attribute_map"], _REQUIRED.findall(source))


def json_schema(models: dict[str, Model], root: str) -> dict[str, Any]:
    """The JSON Schema of the class ``root``, with every class it reaches under ``$defs``. A
    class the models name but do not define (another API's type under the generator's name, a
    type newer than the Kubernetes client read) refuses any value: a document passes only when
    everything it holds was checked. They are listed under ``x-undefined``."""
    defs: dict[str, Any] = {}
    undefined: list[str] = []
    pending = [root]
    while pending:
        name = pending.pop()
        if name in defs:
            continue
        if name not in models:
            undefined.append(name)
            defs[name] = False
            continue
        model = models[name]
        properties = {}
        for field, type_name in model.types.items():
            properties[model.keys[field]] = _type(type_name, pending)
        defs[name] = {
            "type": "object",
            "properties": properties,
            "required": [model.keys[field] for field in model.required],
            "additionalProperties": False,
        }
    return {"$ref": f"#/$defs/{root}", "$defs": defs, "x-undefined": sorted(undefined)}


def _type(name: str, pending: list[str]) -> dict[str, Any]:
    if name in _SCALARS:
        return _SCALARS[name]
    if name.startswith("list[") and name.endswith("]"):
        return {"type": "array", "items": _type(name[5:-1], pending)}
    if name.startswith("dict(str, ") and name.endswith(")"):
        return {"type": "object", "additionalProperties": _type(name[10:-1], pending)}
    pending.append(name)
    return {"$ref": f"#/$defs/{name}"}
