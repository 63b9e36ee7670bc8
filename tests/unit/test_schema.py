"""Tests for modelport.schema: Field/Signature on Arrow and every mapping out of it."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import pickle
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from modelport.errors import ConfigError, InvalidInput
from modelport.schema import (
    Field,
    Signature,
    arrow_type_name,
    arrow_type_of,
    from_v2_datatype,
    signature_from_arrow,
    to_json_schema,
    to_numpy_dtype,
    to_pandas_dtype,
    to_v2_datatype,
    to_v2_tensor_metadata,
)
from modelport.schema_inference import infer_schema, infer_signature

# --- a JSON Schema check: the real validator when installed, else the keywords we emit ------


def _conforms(schema: dict[str, Any], value: Any) -> bool:
    """Whether ``value`` satisfies ``schema``."""
    try:
        import jsonschema
    except ImportError:
        return _subset_conforms(schema, value)
    return bool(jsonschema.Draft202012Validator(schema).is_valid(value))


_JSON_TYPES = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def _subset_conforms(schema: dict[str, Any], value: Any) -> bool:
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if not any(_JSON_TYPES[kind](value) for kind in kinds):
            return False
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and not schema.get("minimum", value) <= value <= schema.get("maximum", value):
        return False
    if isinstance(value, list):
        if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)):
            return False
        return all(_subset_conforms(schema.get("items", {}), item) for item in value)
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        if any(name not in value for name in schema.get("required", [])):
            return False
        if schema.get("additionalProperties") is False and set(value) - set(properties):
            return False
        return all(_subset_conforms(properties.get(k, {}), v) for k, v in value.items())
    return True


# --- arrow_type_of: every way to spell a type ------------------------------------------------

SPELLINGS = [
    (float, pa.float64()),
    (int, pa.int64()),
    (str, pa.string()),
    (bool, pa.bool_()),
    (bytes, pa.binary()),
    (dt.datetime, pa.timestamp("us")),
    (dt.date, pa.date32()),
    (list[str], pa.list_(pa.string())),
    (list[list[float]], pa.list_(pa.list_(pa.float64()))),
    (np.float32, pa.float32()),
    (np.dtype("int16"), pa.int16()),
    (np.dtype("uint64"), pa.uint64()),
    (np.dtype(">f8"), pa.float64()),
    (np.dtype("U5"), pa.string()),
    (np.dtype("S3"), pa.binary()),
    (np.dtype("datetime64[ns]"), pa.timestamp("ns")),
    (np.dtype("datetime64[D]"), pa.date32()),
    (np.bool_, pa.bool_()),
    ("float32", pa.float32()),
    ("float", pa.float64()),
    ("double", pa.float64()),
    ("halffloat", pa.float16()),
    ("int", pa.int64()),
    ("uint8", pa.uint8()),
    ("string", pa.string()),
    ("str", pa.string()),
    ("utf8", pa.string()),
    ("binary", pa.binary()),
    ("bytes", pa.binary()),
    ("bool", pa.bool_()),
    ("boolean", pa.bool_()),
    ("large_string", pa.large_string()),
    ("date32", pa.date32()),
    ("datetime64[ns]", pa.timestamp("ns")),
    ("datetime64[ms, UTC]", pa.timestamp("ms", tz="UTC")),
    ("timestamp[us, tz=Europe/Paris]", pa.timestamp("us", tz="Europe/Paris")),
    ("f4", pa.float32()),
    ("<i8", pa.int64()),
    ("Int64", pa.int64()),
    ("UInt32", pa.uint32()),
    ("Float32", pa.float32()),
    ("string[python]", pa.string()),
    ("list<float32>", pa.list_(pa.float32())),
    ("large_list<int8>", pa.large_list(pa.int8())),
    ("list<fixed_size_list<float32, 3>>", pa.list_(pa.list_(pa.float32(), 3))),
    (pd.Int64Dtype(), pa.int64()),
    (pd.BooleanDtype(), pa.bool_()),
    (pd.StringDtype(), pa.string()),
    (pd.DatetimeTZDtype("ns", "UTC"), pa.timestamp("ns", tz="UTC")),
    (pa.float16(), pa.float16()),
    (pa.list_(pa.field("element", pa.int32(), nullable=False)), pa.list_(pa.int32())),
]


@pytest.mark.parametrize(("spelling", "expected"), SPELLINGS, ids=repr)
def test_arrow_type_of_maps_every_spelling(spelling: Any, expected: pa.DataType) -> None:
    assert arrow_type_of(spelling) == expected


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        (object, "object"),
        (complex, "complex"),
        (list, "list"),
        (int | None, "union"),
        ("object", "object"),
        ("float128", "float128"),
        ("nonsense", "nonsense"),
        ("list<item: float>", "item: float"),
        ("fixed_size_list<float32, 0>", "size 0"),
        (np.dtype("complex64"), "complex64"),
        (np.dtype("timedelta64[ns]"), "timedelta64"),
        (pa.map_(pa.string(), pa.int8()), "map"),
        (pa.struct([("a", pa.decimal128(5, 2))]), "decimal"),
        (pa.decimal128(5, 2), "decimal"),
        (pa.null(), "null"),
        (3, "3"),
    ],
    ids=repr,
)
def test_arrow_type_of_refuses_unsupported_types_by_name(bad: Any, named: str) -> None:
    with pytest.raises(ConfigError, match=named) as caught:
        arrow_type_of(bad)
    assert caught.value.hint


NAMED_TYPES = [
    pa.bool_(),
    *(getattr(pa, f"{k}{b}")() for k in ("int", "uint") for b in (8, 16, 32, 64)),
    pa.float16(),
    pa.float32(),
    pa.float64(),
    pa.string(),
    pa.large_string(),
    pa.binary(),
    pa.large_binary(),
    pa.date32(),
    *(pa.timestamp(unit) for unit in ("s", "ms", "us", "ns")),
    pa.timestamp("ns", tz="UTC"),
    pa.timestamp("s", tz="+01:00"),
    pa.list_(pa.string()),
    pa.large_list(pa.float32()),
    pa.list_(pa.list_(pa.int64(), 4)),
    pa.list_(pa.timestamp("ns", tz="UTC"), 2),
]


@pytest.mark.parametrize("t", NAMED_TYPES, ids=str)
def test_type_names_parse_back_exactly(t: pa.DataType) -> None:
    name = arrow_type_name(t)
    assert arrow_type_of(name) == t
    assert arrow_type_name(arrow_type_of(name)) == name


def test_type_names_are_the_readable_ones() -> None:
    assert arrow_type_name(pa.float32()) == "float32"
    assert (
        arrow_type_name(pa.list_(pa.list_(pa.float32(), 3))) == "list<fixed_size_list<float32, 3>>"
    )
    assert arrow_type_name(pa.timestamp("ns", tz="UTC")) == "timestamp[ns, tz=UTC]"


# --- Field ----------------------------------------------------------------------------------


def test_field_defaults_to_non_nullable_float64() -> None:
    f = Field("x")
    assert f.type == pa.float64()
    assert (f.shape, f.nullable, f.description) == (None, False, None)
    assert f.to_arrow() == pa.field("x", pa.float64(), nullable=False)


def test_field_shape_nests_fixed_size_lists_outermost_first() -> None:
    f = Field("image", "float32", shape=(2, 3))
    assert f.arrow_type == pa.list_(pa.list_(pa.float32(), 3), 2)
    assert f.arrow_type.list_size == 2


def test_field_equal_however_declared() -> None:
    declared = [
        Field("v", "float32", shape=(2, 3)),
        Field("v", np.float32, shape=[2, 3]),  # type: ignore[arg-type]
        Field("v", pa.list_(pa.float32(), 3), shape=(2,)),
        Field("v", pa.list_(pa.list_(pa.float32(), 3), 2)),
        Field("v", "fixed_size_list<float32, 3>", shape=(2,)),
    ]
    assert all(f == declared[0] for f in declared)
    assert len(set(declared)) == 1
    assert declared[0].type == pa.float32()
    assert declared[0].shape == (2, 3)


def test_variable_length_lists_stay_in_the_type() -> None:
    f = Field("tokens", list[str])
    assert f.shape is None
    assert f.arrow_type == pa.list_(pa.string())


@pytest.mark.parametrize("shape", [(-1,), (28, -1), (0,), (True,), ("3",), (2.0,), 3, "33"])
def test_field_refuses_shapes_that_are_not_fixed_positive_sizes(shape: Any) -> None:
    with pytest.raises(ConfigError, match="'x'") as caught:
        Field("x", "float32", shape=shape)
    assert caught.value.field == "x"


def test_empty_shape_means_a_scalar() -> None:
    assert Field("x", shape=()) == Field("x")


@pytest.mark.parametrize("name", ["", None, 3])
def test_field_refuses_names_that_are_not_strings(name: Any) -> None:
    with pytest.raises(ConfigError, match="field name"):
        Field(name)


def test_field_type_error_names_the_field() -> None:
    with pytest.raises(ConfigError, match="field 'price': unsupported type") as caught:
        Field("price", complex)
    assert caught.value.field == "price"


def test_field_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Field("x").name = "y"  # type: ignore[misc]


def test_to_arrow_carries_nullability_and_description() -> None:
    f = Field("age", int, nullable=True, description="years")
    arrow = f.to_arrow()
    assert arrow.nullable is True
    assert arrow.type == pa.int64()
    assert arrow.metadata == {b"description": b"years"}
    assert Field.from_arrow(arrow) == f


def test_from_arrow_reads_a_schema_written_elsewhere() -> None:
    arrow = pa.field("emb", pa.list_(pa.field("element", pa.float32()), 8), nullable=False)
    assert Field.from_arrow(arrow) == Field("emb", "float32", shape=(8,))


def test_to_dict_is_the_compact_yaml_form() -> None:
    assert Field("x", "float32", shape=(28, 28)).to_dict() == {
        "name": "x",
        "type": "float32",
        "shape": [28, 28],
        "nullable": False,
    }
    assert Field("t", list[str], nullable=True, description="words").to_dict() == {
        "name": "t",
        "type": "list<string>",
        "nullable": True,
        "description": "words",
    }


def test_from_dict_fills_defaults() -> None:
    assert Field.from_dict({"name": "x", "type": "int32"}) == Field("x", "int32")


@pytest.mark.parametrize(
    ("d", "match"),
    [
        ({"name": "x"}, "missing \\['type'\\]"),
        ({"type": "int32"}, "missing \\['name'\\]"),
        ({"name": "x", "type": "int32", "dtype": "int32"}, "unknown keys \\['dtype'\\]"),
        ({"name": "x", "type": 3}, "type must be a type name"),
        ({"name": "x", "type": "int32", "shape": 3}, "not a tuple of sizes"),
        ({"name": "x", "type": "int32", "nullable": "yes"}, "nullable must be true/false"),
        ({"name": "x", "type": "int32", "description": 1}, "description a string"),
        ({"name": "x", "type": "int32", "shape": [-1]}, "has size -1"),
        ({"name": "x", "type": "blob"}, "unknown type name 'blob'"),
        (["x"], "must be a mapping"),
    ],
)
def test_from_dict_refuses_malformed_fields(d: Any, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        Field.from_dict(d)


# --- Signature ------------------------------------------------------------------------------


def _signature() -> Signature:
    return Signature(
        inputs=[
            Field("image", "uint8", shape=(28, 28), description="grey pixels"),
            Field("label_hint", str, nullable=True),
        ],
        outputs=[Field("digit", "int8"), Field("scores", "float32", shape=(10,))],
        strict=False,
    )


def test_signature_turns_lists_into_tuples_and_schemas() -> None:
    sig = _signature()
    assert isinstance(sig.inputs, tuple)
    assert isinstance(sig.outputs, tuple)
    assert sig.input_schema.names == ["image", "label_hint"]
    assert sig.input_schema.field("image").type == pa.list_(pa.list_(pa.uint8(), 28), 28)
    assert sig.output_schema.field("scores").type == pa.list_(pa.float32(), 10)
    assert signature_from_arrow(sig.input_schema, sig.output_schema) == dataclasses.replace(
        sig, strict=True
    )
    assert hash(sig) == hash(Signature.from_dict(sig.to_dict()))


def test_signature_to_dict_round_trips_through_yaml_and_json() -> None:
    sig = _signature()
    d = sig.to_dict()
    assert yaml.safe_load(yaml.safe_dump(d)) == d
    assert json.loads(json.dumps(d)) == d
    assert Signature.from_dict(yaml.safe_load(yaml.safe_dump(d))) == sig
    assert Signature.from_dict(d).to_dict() == d


def test_signature_survives_pickling() -> None:
    sig = _signature()
    assert pickle.loads(pickle.dumps(sig)) == sig


def test_signature_from_dict_defaults() -> None:
    assert Signature.from_dict({}) == Signature()
    assert Signature.from_dict({"free_form": True}) == Signature.free()


@pytest.mark.parametrize(
    ("d", "match"),
    [
        ({"input": []}, "unknown keys \\['input'\\]"),
        ({"inputs": {"name": "x"}}, "inputs must be a list"),
        ({"strict": "no"}, "strict must be true or false"),
        ({"inputs": [{"name": "x", "type": "nope"}]}, "'nope'"),
        ("inputs", "must be a mapping"),
    ],
)
def test_signature_from_dict_refuses_malformed_input(d: Any, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        Signature.from_dict(d)


def test_signature_refuses_duplicate_names_and_non_fields() -> None:
    with pytest.raises(ConfigError, match="'a' twice") as caught:
        Signature(inputs=[Field("a"), Field("a", int)])
    assert caught.value.field == "a"
    with pytest.raises(ConfigError, match="not a Field"):
        Signature(inputs=[{"name": "a"}])  # type: ignore[list-item]
    with pytest.raises(ConfigError, match="sequence of Field"):
        Signature(inputs=Field("a"))  # type: ignore[arg-type]


def test_free_form_signature_declares_no_fields() -> None:
    free = Signature.free()
    assert free.free_form and free.inputs == () and free.outputs == ()
    with pytest.raises(ConfigError, match="free-form"):
        Signature(inputs=[Field("a")], free_form=True)


def test_same_name_on_both_sides_is_fine() -> None:
    sig = Signature(inputs=[Field("x")], outputs=[Field("x")])
    assert sig.inputs[0].name == sig.outputs[0].name == "x"


# --- JSON Schema ----------------------------------------------------------------------------

INT_RANGES = {
    "int8": (-128, 127),
    "int16": (-(2**15), 2**15 - 1),
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint8": (0, 255),
    "uint16": (0, 2**16 - 1),
    "uint32": (0, 2**32 - 1),
    "uint64": (0, 2**64 - 1),
}


@pytest.mark.parametrize(("name", "bounds"), INT_RANGES.items())
def test_json_schema_of_fixed_ints_has_their_range(name: str, bounds: tuple[int, int]) -> None:
    low, high = bounds
    schema = to_json_schema(Field("n", name))
    assert schema["type"] == "integer"
    assert (schema["minimum"], schema["maximum"]) == (low, high)
    assert _conforms(schema, low) and _conforms(schema, high)
    assert not _conforms(schema, low - 1)
    assert not _conforms(schema, high + 1)
    assert not _conforms(schema, 1.5)
    assert not _conforms(schema, "1")


@pytest.mark.parametrize(
    ("field", "expected", "good", "bad"),
    [
        (Field("b", bool), {"type": "boolean"}, [True, False], [1, "true", None]),
        (Field("f", "float32"), {"type": "number", "format": "float"}, [1.5, 2], ["1", None]),
        (Field("f", float), {"type": "number", "format": "double"}, [0.1, -3], [True, []]),
        (Field("h", "float16"), {"type": "number"}, [0.5], ["x"]),
        (Field("s", str), {"type": "string"}, ["", "héllo"], [1, None, b"x"]),
        (
            Field("raw", bytes),
            {"type": "string", "contentEncoding": "base64"},
            [base64.b64encode(b"\x00\xff").decode()],
            [3],
        ),
        (Field("d", dt.date), {"type": "string", "format": "date"}, ["2024-02-29"], [20240229]),
        (
            Field("t", "datetime64[ns]"),
            {"type": "string", "format": "date-time"},
            ["2024-02-29T12:00:00Z"],
            [1.0],
        ),
        (
            Field("tokens", list[str]),
            {"type": "array", "items": {"type": "string"}},
            [[], ["a", "b", "c"]],
            ["a", [1]],
        ),
        (
            Field("m", "bool", shape=(2, 1)),
            {
                "type": "array",
                "items": {
                    "type": "array",
                    "items": {"type": "boolean"},
                    "minItems": 1,
                    "maxItems": 1,
                },
                "minItems": 2,
                "maxItems": 2,
            },
            [[[True], [False]]],
            [[[True]], [[True, False], [False]], [[True], [1]]],
        ),
        (
            Field("age", "int8", nullable=True, description="years"),
            {
                "type": ["integer", "null"],
                "minimum": -128,
                "maximum": 127,
                "description": "years",
            },
            [None, 5],
            [300, "5"],
        ),
    ],
    ids=lambda v: v.name if isinstance(v, Field) else "",
)
def test_json_schema_of_fields(
    field: Field, expected: dict[str, Any], good: list[Any], bad: list[Any]
) -> None:
    schema = to_json_schema(field)
    assert schema == expected
    for value in good:
        assert _conforms(schema, value), value
    for value in bad:
        assert not _conforms(schema, value), value


def test_json_schema_of_a_signature_describes_one_record() -> None:
    sig = Signature(
        inputs=[Field("a", "int32"), Field("b", str, nullable=True)],
        outputs=[Field("y", float)],
    )
    schema = to_json_schema(sig)
    assert schema == {
        "type": "object",
        "properties": {"a": to_json_schema(Field("a", "int32")), "b": {"type": ["string", "null"]}},
        "required": ["a"],
        "additionalProperties": False,
    }
    assert _conforms(schema, {"a": 1, "b": "x"})
    assert _conforms(schema, {"a": 1, "b": None})
    assert _conforms(schema, {"a": 1})
    assert not _conforms(schema, {"b": "x"})
    assert not _conforms(schema, {"a": 1, "c": 2})
    assert not _conforms(schema, {"a": "1"})
    assert to_json_schema(sig, side="outputs")["properties"] == {
        "y": {"type": "number", "format": "double"}
    }
    lenient = to_json_schema(dataclasses.replace(sig, strict=False))
    assert lenient["additionalProperties"] is True
    assert _conforms(lenient, {"a": 1, "c": 2})


def test_json_schema_of_free_form_and_undeclared_sides_allows_anything() -> None:
    assert to_json_schema(Signature.free()) == {}
    assert to_json_schema(Signature(inputs=[Field("a")]), side="outputs") == {}
    with pytest.raises(ValueError, match="side"):
        to_json_schema(Signature(), side="input")


# --- Open Inference Protocol V2 --------------------------------------------------------------

V2_TYPES = {
    "BOOL": pa.bool_(),
    "INT8": pa.int8(),
    "INT16": pa.int16(),
    "INT32": pa.int32(),
    "INT64": pa.int64(),
    "UINT8": pa.uint8(),
    "UINT16": pa.uint16(),
    "UINT32": pa.uint32(),
    "UINT64": pa.uint64(),
    "FP16": pa.float16(),
    "FP32": pa.float32(),
    "FP64": pa.float64(),
    "BYTES": pa.binary(),
}


@pytest.mark.parametrize(("name", "t"), V2_TYPES.items())
def test_v2_datatypes_both_ways(name: str, t: pa.DataType) -> None:
    assert to_v2_datatype(t) == name
    assert from_v2_datatype(name) == t


@pytest.mark.parametrize(
    "t",
    [
        pa.string(),
        pa.large_string(),
        pa.large_binary(),
        pa.date32(),
        pa.timestamp("ns", tz="UTC"),
    ],
)
def test_text_and_times_travel_as_v2_bytes(t: pa.DataType) -> None:
    assert to_v2_datatype(t) == "BYTES"


def test_v2_datatype_of_lists_is_their_elements() -> None:
    assert to_v2_datatype(pa.list_(pa.list_(pa.int16(), 3))) == "INT16"


@pytest.mark.parametrize("name", ["fp32", "FLOAT32", "STRING", "", 3])
def test_unknown_v2_datatype_is_invalid_input(name: Any) -> None:
    with pytest.raises(InvalidInput, match="unknown tensor datatype") as caught:
        from_v2_datatype(name)
    assert "FP32" in str(caught.value.hint)


def test_v2_datatype_refuses_unsupported_arrow_types() -> None:
    with pytest.raises(ConfigError, match="no Open Inference Protocol datatype"):
        to_v2_datatype(pa.map_(pa.string(), pa.int8()))


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (Field("x", float), {"name": "x", "datatype": "FP64", "shape": [-1]}),
        (
            Field("img", "uint8", shape=(28, 28)),
            {"name": "img", "datatype": "UINT8", "shape": [-1, 28, 28]},
        ),
        (Field("tokens", list[str]), {"name": "tokens", "datatype": "BYTES", "shape": [-1, -1]}),
        (
            Field("grid", list[list[int]]),
            {"name": "grid", "datatype": "INT64", "shape": [-1, -1, -1]},
        ),
        (
            Field("pairs", list[int], shape=(3,)),
            {"name": "pairs", "datatype": "INT64", "shape": [-1, 3, -1]},
        ),
    ],
    ids=lambda v: v.name if isinstance(v, Field) else "",
)
def test_v2_tensor_metadata(field: Field, expected: dict[str, Any]) -> None:
    assert to_v2_tensor_metadata(field) == expected


# --- numpy and pandas ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (Field("a", bool), np.dtype(bool)),
        (Field("a", "int8"), np.dtype("int8")),
        (Field("a", "uint32"), np.dtype("uint32")),
        (Field("a", "float16", shape=(2,)), np.dtype("float16")),
        (Field("a", float, nullable=True), np.dtype("float64")),
        (Field("a", str), np.dtype(object)),
        (Field("a", bytes), np.dtype(object)),
        (Field("a", list[str]), np.dtype(object)),
        (Field("a", dt.date), np.dtype("datetime64[D]")),
        (Field("a", "timestamp[ms, tz=UTC]"), np.dtype("datetime64[ms]")),
    ],
    ids=str,
)
def test_numpy_dtype_is_the_element_dtype(field: Field, expected: np.dtype[Any]) -> None:
    assert to_numpy_dtype(field) == expected


@pytest.mark.parametrize(
    ("field", "values", "expected"),
    [
        (Field("a", "int32"), [1, 2], "int32"),
        (Field("a", "int64", nullable=True), [1, None], "Int64"),
        (Field("a", "uint8", nullable=True), [1, None], "UInt8"),
        (Field("a", bool), [True, False], "bool"),
        (Field("a", bool, nullable=True), [True, None], "boolean"),
        (Field("a", "float32", nullable=True), [1.5, None], "float32"),
        (Field("a", str, nullable=True), ["x", None], "object"),
        (Field("a", bytes), [b"x", b"y"], "object"),
        (Field("a", dt.date), [dt.date(2024, 1, 1), dt.date(2024, 1, 2)], "object"),
        (
            Field("a", "datetime64[ns]"),
            [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2)],
            "datetime64[ns]",
        ),
        (
            Field("a", "timestamp[us, tz=UTC]"),
            [dt.datetime(2024, 1, 1, tzinfo=dt.UTC), None],
            "datetime64[us, UTC]",
        ),
        (Field("a", list[float]), [[1.0], [2.0, 3.0]], "object"),
        (Field("a", "float32", shape=(2,)), [[1.0, 2.0], [3.0, 4.0]], "object"),
    ],
    ids=lambda v: str(v) if isinstance(v, str) else "",
)
def test_pandas_dtype_holds_arrow_data(field: Field, values: list[Any], expected: str) -> None:
    assert to_pandas_dtype(field) == expected
    column = pa.table({"a": pa.array(values, type=field.arrow_type)}).to_pandas()["a"]
    converted = column.astype(to_pandas_dtype(field))
    assert str(converted.dtype) == expected
    assert converted.isna().tolist() == [v is None for v in values]
    round_tripped: Any = pa.array(converted, type=field.arrow_type, from_pandas=True)
    assert round_tripped.to_pylist() == values


# --- inference ------------------------------------------------------------------------------


def test_infer_from_a_dataframe() -> None:
    df = pd.DataFrame(
        {
            "age": [31, 45],
            "income": [1.5, None],
            "city": ["Oslo", "Lima"],
            "tier": pd.Categorical(["gold", "silver"]),
            "seen": pd.to_datetime(["2024-01-01", "2024-06-01"]).as_unit("ns"),
            "visits": pd.array([1, None], dtype="Int64"),
            "ok": [True, False],
        }
    )
    schema = infer_schema(df)
    assert signature_from_arrow(schema).inputs == (
        Field("age", "int64"),
        Field("income", "float64", nullable=True),
        Field("city", str),
        Field("tier", str),
        Field("seen", "datetime64[ns]"),
        Field("visits", "int64", nullable=True),
        Field("ok", bool),
    )


def test_infer_from_a_dataframe_with_tensor_cells() -> None:
    df = pd.DataFrame({"img": [np.zeros((2, 3), "float32"), np.ones((2, 3), "float32")]})
    assert infer_schema(df).field("img") == Field("img", "float32", shape=(2, 3)).to_arrow()


def test_infer_from_arrow_tables_and_batches() -> None:
    table = pa.table(
        {"x": pa.array([1, None], pa.int16()), "s": pa.array(["a", "b"], pa.large_string())}
    )
    for sample in (table, table.to_batches()[0]):
        assert infer_schema(sample) == pa.schema(
            [Field("x", "int16", nullable=True).to_arrow(), Field("s", str).to_arrow()]
        )


def test_infer_from_a_dict_of_columns_with_tensors() -> None:
    schema = infer_schema(
        {
            "image": np.zeros((4, 28, 28), dtype="uint8"),
            "name": np.array(["a", "b", "c", "d"]),
            "score": [0.1, 0.2, 0.3, 0.4],
            "tags": [["x"], [], ["y", "z"], None],
            "vec": pd.Series([1, 2, 3, 4], dtype="int32"),
        }
    )
    assert signature_from_arrow(schema).inputs == (
        Field("image", "uint8", shape=(28, 28)),
        Field("name", str),
        Field("score", float),
        Field("tags", list[str], nullable=True),
        Field("vec", "int32"),
    )


def test_infer_from_records() -> None:
    schema = infer_schema([{"a": 1, "b": "x"}, {"a": 2, "c": [1.0, 2.0]}])
    assert signature_from_arrow(schema).inputs == (
        Field("a", int),
        Field("b", str, nullable=True),
        Field("c", list[float], nullable=True),
    )


def test_infer_from_bare_arrays_and_series() -> None:
    assert infer_schema(np.arange(6.0).reshape(3, 2)).names == ["0", "1"]
    assert infer_schema(np.arange(6.0).reshape(3, 2)).field("1").type == pa.float64()
    assert infer_schema(np.array([1, 0, 1])) == pa.schema([pa.field("output", pa.int64(), False)])
    assert infer_schema(pd.Series([0.5, 0.7])).names == ["output"]
    assert infer_schema(pd.Series(["a"], name="label")) == pa.schema(
        [pa.field("label", pa.string(), False)]
    )
    assert infer_schema([0.1, 0.9]) == pa.schema([pa.field("output", pa.float64(), False)])
    assert infer_schema(pa.array([1, 2], pa.int8())) == pa.schema(
        [pa.field("output", pa.int8(), False)]
    )
    cube = infer_schema(np.zeros((5, 2, 4), dtype="float32"))
    assert cube == pa.schema([Field("0", "float32", shape=(2, 4)).to_arrow()])


def test_infer_nullable_tensor_column_when_a_cell_is_missing() -> None:
    schema = infer_schema({"v": [np.zeros(3), None, np.ones(3)]})
    assert Field.from_arrow(schema.field("v")) == Field("v", float, shape=(3,), nullable=True)


def test_infer_signature_marks_itself_inferred() -> None:
    sig = infer_signature(pd.DataFrame({"x": [1.0, 2.0]}), np.array([0, 1]))
    assert sig == Signature([Field("x", float)], [Field("output", int)], inferred=True)
    assert infer_signature({"x": [1]}).outputs == ()


def test_infer_reads_records_as_structs() -> None:
    schema = infer_schema({"a": [{"k": 1, "t": [0.5]}, {"k": 2, "t": None}]})
    assert schema.field("a").type == pa.struct([("k", pa.int64()), ("t", pa.list_(pa.float64()))])


@pytest.mark.parametrize(
    ("sample", "match"),
    [
        (None, "from NoneType"),
        (3.0, "from float"),
        ("text", "from str"),
        ([], "from list"),
        (np.float64(1.0), "from float64"),
        ({"a": 1}, "column 'a' is a single int"),
        ({"a": [1, 2], "b": [1]}, "differ in length"),
        ({1: [1]}, "column names must be strings"),
        ({"a": [None, None]}, "'a' holds only nulls"),
        ({"a": [{"k": Decimal("1.5")}]}, "'a' has type struct<k: decimal128"),
        ({"a": [1, "x"]}, "cannot infer the type of sample column 'a'"),
        ({"a": np.array([[1 + 2j]])}, "cannot infer the type of sample column 'a'"),
        ({"a": np.array([1 + 2j])}, "cannot infer the type of sample column 'a'"),
        ({"a": pa.array([Decimal("1.5")], pa.decimal128(3, 1))}, "'a' has type decimal128"),
        ({"a": np.zeros((2, 0))}, "'a' has an empty dimension"),
        (pd.DataFrame([[1, 2]], columns=["a", "a"]), "duplicate column names"),
    ],
    ids=repr,
)
def test_infer_refuses_what_it_cannot_read(sample: Any, match: str) -> None:
    with pytest.raises(InvalidInput, match=match):
        infer_schema(sample)


# --- properties ----------------------------------------------------------------------------

_ELEMENTS = st.sampled_from(
    [
        bool,
        int,
        float,
        str,
        bytes,
        dt.date,
        dt.datetime,
        "int8",
        "uint16",
        "float32",
        "float16",
        "large_string",
        "timestamp[ns, tz=UTC]",
    ]
)
_TYPES = st.recursive(_ELEMENTS, lambda inner: inner.map(lambda t: list[t]), max_leaves=3)  # type: ignore[valid-type]


@st.composite
def fields(draw: st.DrawFn) -> Field:
    return Field(
        name=draw(st.text(min_size=1, max_size=8)),
        type=draw(_TYPES),
        shape=draw(st.none() | st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)),
        nullable=draw(st.booleans()),
        description=draw(st.none() | st.text(max_size=20)),
    )


@given(fields())
def test_field_dict_round_trip_through_yaml_is_exact(f: Field) -> None:
    d = f.to_dict()
    assert yaml.safe_load(yaml.safe_dump(d)) == d
    assert Field.from_dict(yaml.safe_load(yaml.safe_dump(d))) == f
    assert Field.from_dict(d).to_dict() == d


@given(fields())
def test_field_arrow_round_trip_is_exact(f: Field) -> None:
    assert Field.from_arrow(f.to_arrow()) == f
    schema = Signature([f]).input_schema
    assert signature_from_arrow(schema).inputs == (f,)
    assert to_v2_tensor_metadata(f)["shape"][: 1 + len(f.shape or ())] == [-1, *(f.shape or ())]


def _json_value(t: pa.DataType, draw: st.DrawFn) -> Any:
    """A JSON value of Arrow type ``t`` as the HTTP layer would send it."""
    if pa.types.is_fixed_size_list(t) or pa.types.is_list(t) or pa.types.is_large_list(t):
        size = t.list_size if pa.types.is_fixed_size_list(t) else draw(st.integers(0, 3))
        return [_json_value(t.value_type, draw) for _ in range(size)]
    if pa.types.is_boolean(t):
        return draw(st.booleans())
    if pa.types.is_integer(t):
        info = np.iinfo(arrow_type_name(t))
        return draw(st.integers(int(info.min), int(info.max)))
    if pa.types.is_floating(t):
        return draw(st.floats(allow_nan=False, allow_infinity=False, width=16))
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return base64.b64encode(draw(st.binary(max_size=4))).decode()
    if pa.types.is_date32(t):
        return draw(st.dates()).isoformat()
    if pa.types.is_timestamp(t):
        return draw(st.datetimes(timezones=st.just(dt.UTC))).isoformat()
    return draw(st.text(max_size=4))


@settings(max_examples=50)
@given(fields(), st.data())
def test_json_schema_accepts_values_of_the_field_and_refuses_others(
    f: Field, data: st.DataObject
) -> None:
    schema = to_json_schema(f)
    value = data.draw(st.composite(lambda draw: _json_value(f.arrow_type, draw))())
    assert _conforms(schema, value)
    assert _conforms(schema, None) is f.nullable
    assert not _conforms(schema, {"not": "a value"})
