"""Fields holding records (Arrow structs, alone or in lists): their names, mappings, the
checks that name a wrong member by its path, and how V2 carries them (JSON text per row)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from modelport.codecs.v2_bodies import InferenceRequest
from modelport.codecs.v2_columns import TensorColumns
from modelport.codecs.v2_data import Tensor
from modelport.decoded import Columns, Rows
from modelport.errors import ConfigError, InvalidInput, ModelFailed
from modelport.formats.wallaroo.data_rules import check_json_input, check_output
from modelport.schema import (
    Field,
    Signature,
    arrow_type_name,
    arrow_type_of,
    signature_from_arrow,
    to_json_schema,
    to_numpy_dtype,
    to_pandas_dtype,
    to_v2_tensor_metadata,
)
from modelport.schema_mappings import plain_type
from modelport.serving.openapi.examples import csv_text, example_row, v2_tensors
from modelport.validation import InputValidator

CHUNK = pa.struct([("text", pa.string()), ("timestamp", pa.list_(pa.float32()))])
CHUNKS = pa.list_(CHUNK)
"""Hugging Face speech recognition's ``chunks``, as Wallaroo documents it."""
SIGNATURE = Signature([Field("id", "int64"), Field("chunks", CHUNKS, nullable=True)])
GOOD = [
    {"id": 1, "chunks": [{"text": "a", "timestamp": [0, 0.5]}, {"text": "b"}]},
    {"id": 2, "chunks": None},
]


def test_a_struct_type_is_kept_exactly_and_named_so_it_reads_back() -> None:
    schema = pa.schema([pa.field("text", pa.string()), pa.field("chunks", CHUNKS)])
    signature = signature_from_arrow(schema, schema)
    assert signature.output_schema.equals(schema)
    name = arrow_type_name(CHUNKS)
    assert name == "list<struct<text: string, timestamp: list<float32>>>"
    assert arrow_type_of(name) == CHUNKS
    assert Signature.from_dict(json.loads(json.dumps(signature.to_dict()))) == signature


def test_struct_names_nest_and_large_types_read_as_plain_ones() -> None:
    nested = "struct<a: int64, b: list<struct<c: string, d: fixed_size_list<float32, 2>>>>"
    t = arrow_type_of(nested)
    assert arrow_type_name(t) == nested
    assert t.field("b").type.value_type.field("d").type == pa.list_(pa.float32(), 2)
    assert plain_type(pa.struct([("a", pa.large_string())])) == pa.struct([("a", pa.string())])


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("struct<>", "has no members"),
        ("struct<a>", "member 'a' without a type"),
        ("struct<a: int64, a: string>", "distinct non-empty names"),
        ("struct<a: nope>", "unknown type name 'nope'"),
    ],
)
def test_a_malformed_struct_type_is_refused_saying_why(name: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Field("f", name)


def test_a_struct_maps_to_an_object_schema_and_object_dtypes() -> None:
    field = Field("chunks", CHUNKS)
    schema = to_json_schema(field)
    member = schema["items"]
    assert (schema["type"], member["type"]) == ("array", "object")
    assert set(member["properties"]) == {"text", "timestamp"}
    assert member["additionalProperties"] is False
    assert to_numpy_dtype(field) == np.dtype(object)
    assert to_pandas_dtype(field) == np.dtype(object)
    assert to_v2_tensor_metadata(field) == {"name": "chunks", "datatype": "BYTES", "shape": [-1]}


def test_json_rows_with_records_become_the_declared_structs() -> None:
    batch = InputValidator(SIGNATURE).validate(Rows(GOOD))
    table = batch.table()
    assert table.schema.field("chunks").type == CHUNKS
    assert table.column("chunks").to_pylist() == [
        [{"text": "a", "timestamp": [0.0, 0.5]}, {"text": "b", "timestamp": None}],
        None,
    ]


@pytest.mark.parametrize(
    ("chunks", "path", "message"),
    [
        ([{"text": "a", "timestamp": ["x"]}], "chunks[0].timestamp[0]", "should be float32"),
        ([{"text": 3}], "chunks[0].text", "should be string, got int 3"),
        ([{"text": "a"}, {"text": "b", "when": 1}], "chunks[1].when", "is not a member"),
        ({"text": "a"}, "chunks", "should be list<struct<"),
        (["a"], "chunks[0]", "should be struct<"),
        ([{"text": "a", "timestamp": [True]}], "chunks[0].timestamp[0]", "got bool"),
    ],
)
def test_a_wrong_member_is_refused_naming_its_row_and_path(
    chunks: Any, path: str, message: str
) -> None:
    rows = [GOOD[0], {"id": 2, "chunks": chunks}]
    with pytest.raises(InvalidInput, match=message) as caught:
        InputValidator(SIGNATURE).validate(Rows(rows))
    assert caught.value.field == path
    assert caught.value.message.startswith("row 1: ")


def test_an_arrow_table_of_other_member_order_is_rebuilt_and_a_wrong_one_refused() -> None:
    reordered = pa.struct([("timestamp", pa.list_(pa.float64())), ("text", pa.string())])
    value = [{"timestamp": [1.0, 2.0], "text": "x"}]
    table = pa.table({"id": [1], "chunks": pa.array([value], type=pa.list_(reordered))})
    batch = InputValidator(SIGNATURE).validate(table)
    assert batch.table().column("chunks").type == CHUNKS
    assert batch.records()[0]["chunks"] == [{"text": "x", "timestamp": [1.0, 2.0]}]
    wrong = pa.table({"id": [1], "chunks": pa.array([[{"text": 5}]])})
    with pytest.raises(InvalidInput) as caught:
        InputValidator(SIGNATURE).validate(wrong)
    assert caught.value.field == "chunks[0].text"


def test_v2_takes_and_answers_a_record_field_as_one_json_text_per_row() -> None:
    texts = np.array([json.dumps(row["chunks"]).encode() for row in GOOD], dtype=object)
    tensors = TensorColumns(SIGNATURE)
    ids = Tensor("id", "INT64", np.array([1, 2]))
    columns = tensors.columns((ids, Tensor("chunks", "BYTES", texts)))
    batch = InputValidator(SIGNATURE).validate(columns)
    assert batch.table().column("chunks").to_pylist()[0][0] == {"text": "a", "timestamp": [0, 0.5]}
    outputs = TensorColumns(Signature([Field("id", "int64")], [Field("chunks", CHUNKS)]))
    [(answer, _)] = outputs.outputs(batch.table().select(["chunks"]), InferenceRequest(()))
    assert (answer.datatype, answer.shape) == ("BYTES", [2])
    assert [json.loads(text) for text in answer.data] == [
        [{"text": "a", "timestamp": [0.0, 0.5]}, {"text": "b", "timestamp": None}],
        None,
    ]


def test_v2_refuses_a_record_element_that_is_not_json() -> None:
    tensors = TensorColumns(SIGNATURE)
    bad = Tensor("chunks", "BYTES", np.array([b"[{"], dtype=object))
    with pytest.raises(InvalidInput, match="row 0 is not JSON text") as caught:
        tensors.columns((Tensor("id", "INT64", np.array([1])), bad))
    assert caught.value.field == "chunks"


def test_columns_of_records_are_checked_like_rows() -> None:
    chunks = np.empty(1, dtype=object)
    chunks[0] = [{"text": ["not text"]}]
    columns = Columns({"id": np.array([1]), "chunks": chunks})
    with pytest.raises(InvalidInput) as caught:
        InputValidator(SIGNATURE).validate(columns)
    assert caught.value.field == "chunks[0].text"


def test_a_wallaroo_model_output_of_wrong_records_fails_naming_the_path() -> None:
    schema = pa.schema([pa.field("chunks", CHUNKS)])
    good = check_output(
        {"chunks": [[{"text": "a", "timestamp": (0.0, 0.5)}]]}, rows=1, schema=schema
    )
    assert good.column("chunks").to_pylist() == [[{"text": "a", "timestamp": [0.0, 0.5]}]]
    with pytest.raises(ModelFailed, match="should be float32") as caught:
        check_output({"chunks": [[{"text": "a", "timestamp": ["x"]}]]}, rows=1, schema=schema)
    assert caught.value.field == "chunks[0].timestamp[0]"


def test_the_documented_example_of_a_record_field_passes_validation_in_every_form() -> None:
    rows = [example_row(SIGNATURE.inputs)]
    assert rows[0]["chunks"][0] == {"text": "text", "timestamp": [0.5, 0.5]}
    InputValidator(SIGNATURE).validate(Rows(rows))
    tensors = [
        Tensor(
            t["name"],
            t["datatype"],
            np.array(t["data"], dtype=object if t["datatype"] == "BYTES" else None),
        )
        for t in v2_tensors(rows, SIGNATURE.inputs) or []
    ]
    assert [t.datatype for t in tensors] == ["INT64", "BYTES"]
    InputValidator(SIGNATURE).validate(TensorColumns(SIGNATURE).columns(tuple(tensors)))
    assert csv_text(rows, SIGNATURE.inputs) is None  # CSV has no form for records


def test_wallaroo_takes_lists_of_records_of_different_lengths_as_no_ragged_tensor() -> None:
    rows = [{"chunks": [{"text": "a"}]}, {"chunks": [{"text": "b"}, {"text": "c"}]}]
    check_json_input(rows)  # a ragged list of numbers would be refused
    with pytest.raises(InvalidInput, match="ragged"):
        check_json_input([{"chunks": [1.0]}, {"chunks": [1.0, 2.0]}])
