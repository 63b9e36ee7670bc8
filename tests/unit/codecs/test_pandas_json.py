"""JSON written by pandas' ``to_json`` in every orient reads back as ``pandas.read_json`` reads
it: the same rows, in the same order."""

from __future__ import annotations

import io

import orjson
import pandas as pd
import pytest

from modelport.codecs.json_frames import decode_json
from modelport.codecs.negotiation import decode_rows, parse_media_type
from modelport.codecs.pandas_json import normalized
from modelport.errors import InvalidInput
from modelport.schema import Field, Signature
from modelport.validation import InputValidator

FRAME = pd.DataFrame(
    {
        "id": [7, 8, 9],
        "tensor": [[1.0, 2.0], [3.0, 4.5], [5.0, 6.0]],
        "text": ["a", "b", None],
    }
)
SIGNATURE = Signature(
    [
        Field("id", "int64"),
        Field("tensor", "float64", shape=(2,)),
        Field("text", str, nullable=True),
    ],
    [],
)
ROWS = [
    {"id": 7, "tensor": [1.0, 2.0], "text": "a"},
    {"id": 8, "tensor": [3.0, 4.5], "text": "b"},
    {"id": 9, "tensor": [5.0, 6.0], "text": None},
]
ORIENTS = ["columns", "index", "records", "split", "table", "values"]


def _rows(value: object) -> list[dict[str, object]]:
    validator = InputValidator(SIGNATURE)
    batch = validator.validate(decode_json(normalized(value, names=validator.names), orient=None))
    return batch.records()


@pytest.mark.parametrize("orient", ORIENTS)
def test_every_orient_reads_as_pandas_reads_it(orient: str) -> None:
    written = FRAME.to_json(orient=orient)
    read_back = pd.read_json(io.StringIO(written), orient=orient)
    if orient == "values":
        read_back.columns = FRAME.columns
    assert read_back["id"].tolist() == [7, 8, 9]
    assert _rows(orjson.loads(written)) == ROWS


def test_wallaroos_df_json_files_are_the_default_orient() -> None:
    """``df.to_json("data.df.json")`` with no orient: ``{"col": {"0": v, ...}}``."""
    value = orjson.loads(FRAME.head(2).to_json())
    assert value["id"] == {"0": 7, "1": 8}
    assert _rows(value) == ROWS[:2]


def test_rows_follow_the_index_labels_and_a_missing_label_is_null() -> None:
    value = {
        "id": {"10": 1, "2": 2},
        "tensor": {"10": [0.0, 1.0], "2": [2.0, 3.0]},
        "text": {"10": "x"},
    }
    assert _rows(value) == [
        {"id": 1, "tensor": [0.0, 1.0], "text": "x"},
        {"id": 2, "tensor": [2.0, 3.0], "text": None},
    ]


def test_http_bodies_take_the_orients_by_shape_or_by_name() -> None:
    columns = decode_json(orjson.loads(FRAME.to_json()), orient=None)
    assert InputValidator(SIGNATURE).validate(columns).num_rows == 3
    index = decode_json(orjson.loads(FRAME.to_json(orient="index")), orient="index")
    assert InputValidator(SIGNATURE).validate(index).records()[1]["id"] == 8
    table = decode_json(orjson.loads(FRAME.to_json(orient="table")), orient=None)
    assert InputValidator(SIGNATURE).validate(table).records()[2]["tensor"] == [5.0, 6.0]


def test_a_column_of_neither_kind_is_named() -> None:
    with pytest.raises(InvalidInput, match="column 'id' is not a list of values") as caught:
        decode_json({"id": 3}, orient=None)
    assert '{"x": {"0": 1.0, "1": 2.0}}' in (caught.value.hint or "")


@pytest.mark.parametrize(
    "body",
    [b'{"a": 1}', b'{"schema": 1, "data": []}', b'{"schema": {"fields": []}, "data": 3}'],
)
def test_format_table_without_a_table_schema_is_invalid_input(body: bytes) -> None:
    """Asked for by ``?format=table``, a body of another shape is a 422 naming the format
    (it was a KeyError, a 500, found by schemathesis)."""
    with pytest.raises(InvalidInput) as refused:
        decode_rows(body, parse_media_type("application/json"), orient="table", schema=None)
    assert refused.value.field == "format"


def test_an_unknown_format_is_refused_whatever_the_body() -> None:
    with pytest.raises(InvalidInput) as refused:
        decode_rows(b"x\n1\n", parse_media_type("text/csv"), orient="nonsense", schema=None)
    assert refused.value.field == "format"
