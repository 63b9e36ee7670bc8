"""``get_info()`` / ``info()`` answers as signatures and example rows."""

from __future__ import annotations

import re
from typing import Any

import pyarrow as pa
import pytest

from modelport.errors import ConfigError
from modelport.formats.odahu.info import model_info
from modelport.formats.odahu.openapi import model_api_description

ODAHU_STYLE = (
    [
        {"name": "a", "type": "number", "example": 1.5, "required": True},
        {"name": "b", "type": "string", "example": "x"},
    ],
    [{"name": "score", "type": "integer", "example": 1, "required": True}],
)


def test_property_lists_as_odahu_toolchains_write_them() -> None:
    info = model_info(ODAHU_STYLE, function="info")
    signature = info.signature
    assert [(f.name, f.type, f.nullable) for f in signature.inputs] == [
        ("a", pa.float64(), False),
        ("b", pa.string(), True),
    ]
    assert [(f.name, f.type) for f in signature.outputs] == [("score", pa.int64())]
    assert info.example == {"a": 1.5, "b": "x"}
    assert info.described


@pytest.mark.parametrize(
    "described",
    [
        {"input": {"properties": {"a": {"type": "boolean"}}}, "output": None},
        ({"a": {"type": "boolean"}}, {}),
        {"inputs": [{"name": "a", "type": "boolean"}]},
    ],
)
def test_mappings_of_properties(described: Any) -> None:
    info = model_info(described)
    assert [(f.name, f.type) for f in info.signature.inputs] == [("a", pa.bool_())]
    assert info.example is None


def test_arrays_and_untyped_properties() -> None:
    described = ([{"name": "v", "type": "array", "items": {"type": "integer"}}, {"name": "t"}], [])
    fields = model_info(described).signature.inputs
    assert fields[0].type == pa.list_(pa.int64())
    assert fields[1].type == pa.float64()


def test_no_info_function_means_free_form() -> None:
    info = model_info(None)
    assert info.signature.free_form and not info.described


@pytest.mark.parametrize(
    ("described", "message"),
    [
        ("inputs", "get_info() returned str"),
        (([{"type": "number"}], []), "a property has no name"),
        (([{"name": "a", "type": "decimal"}], []), "property 'a' has type 'decimal'"),
        ((["a"], []), "'a' is not a property"),
    ],
)
def test_bad_descriptions_are_named(described: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        model_info(described)


def test_swagger_examples_come_from_the_properties() -> None:
    info = model_info(ODAHU_STYLE)
    swagger = model_api_description(
        name="m", version="1.0", signature=info.signature, example=info.example
    )
    body = swagger["paths"]["/api/model/invoke"]["post"]["parameters"][0]
    assert body["name"] == "PredictionParameters"
    assert "$ref" not in body["schema"]  # inlined, as Odahu's packager writes it
    assert body["schema"]["type"] == "object"
    request = swagger["paths"]["/api/model/invoke"]["post"]["parameters"][0]["schema"]["properties"]
    assert request["columns"]["example"] == ["a", "b"]
    assert request["data"]["example"] == [[1.5, "x"]]
    assert swagger["definitions"]["PredictionResponse"]["properties"]["columns"]["example"] == [
        "score"
    ]
