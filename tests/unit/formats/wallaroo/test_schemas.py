"""Wallaroo's Arrow schemas given as a pyarrow.Schema, as base64 and as a pickled file."""

from __future__ import annotations

import pickle
from pathlib import Path

import pyarrow as pa
import pytest

from modelport.errors import ConfigError
from modelport.formats.wallaroo.schemas import read_schema, schema_to_base64, signature_of

SCHEMA = pa.schema(
    [
        pa.field("tensor", pa.list_(pa.float32(), 3)),
        pa.field("names", pa.list_(pa.string())),
        pa.field("count", pa.int64()),
    ]
)


def test_a_schema_object_is_taken_as_it_is() -> None:
    assert read_schema(SCHEMA, field="input_schema") is SCHEMA


def test_the_base64_of_a_serialized_schema_round_trips() -> None:
    text = schema_to_base64(SCHEMA)
    assert read_schema(text, field="input_schema").equals(SCHEMA)


@pytest.mark.parametrize("as_path", [True, False])
def test_a_pickled_schema_file_is_read(tmp_path: Path, as_path: bool) -> None:
    path = tmp_path / "input.pkl"
    path.write_bytes(pickle.dumps(SCHEMA))
    source = path if as_path else str(path)
    assert read_schema(source, field="input_schema").equals(SCHEMA)


def test_text_that_is_not_base64_names_the_field_and_the_three_ways() -> None:
    with pytest.raises(ConfigError) as caught:
        read_schema("definitely not base64!", field="output_schema")
    assert caught.value.field == "output_schema"
    assert "pickled pyarrow.Schema" in str(caught.value)


def test_base64_of_something_else_than_a_schema_is_refused() -> None:
    import base64

    with pytest.raises(ConfigError, match="base64 of a serialized Arrow schema"):
        read_schema(base64.b64encode(b"not arrow at all").decode(), field="input_schema")


def test_a_pickle_holding_something_else_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "schema.pkl"
    path.write_bytes(pickle.dumps({"tensor": "float"}))
    with pytest.raises(ConfigError, match=r"holds a pickled dict, not a pyarrow\.Schema"):
        read_schema(path, field="input_schema")


def test_a_missing_schema_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        read_schema(tmp_path / "absent.pkl", field="input_schema")


def test_the_signature_keeps_tensor_shapes_and_list_columns() -> None:
    signature = signature_of(SCHEMA, pa.schema([pa.field("out", pa.float64())]))
    tensor, names, count = signature.inputs
    assert tensor.shape == (3,)
    assert names.shape is None
    assert count.type == pa.int64()
    assert [f.name for f in signature.outputs] == ["out"]
