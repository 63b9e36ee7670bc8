"""Inputs are checked against the signature before any model sees them."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from modelport.decoded import Columns, Rows
from modelport.errors import InvalidInput
from modelport.schema import Field, Signature
from modelport.validation import InputValidator

IRIS = Signature(inputs=[Field(n, float) for n in ("a", "b")], outputs=[Field("species", int)])
MIXED = Signature(
    inputs=[
        Field("text", str),
        Field("count", int),
        Field("score", float, nullable=True),
        Field("image", "float32", shape=(2, 2)),
    ]
)


def test_numeric_rows_become_a_matrix_without_arrow() -> None:
    batch = InputValidator(IRIS).validate(Rows([{"a": 1, "b": 2.5}, {"b": 4.0, "a": 3.0}]))
    matrix = batch.matrix()
    assert matrix.dtype == np.float64
    assert matrix.tolist() == [[1.0, 2.5], [3.0, 4.0]]
    assert batch.frame()["b"].tolist() == [2.5, 4.0]
    assert batch.table().schema == IRIS.input_schema


def test_positional_rows_follow_the_signature_order() -> None:
    batch = InputValidator(IRIS).validate(Rows([[1.0, 2.0]]))
    assert batch.columns()["b"].tolist() == [2.0]


@pytest.mark.parametrize(
    ("rows", "message", "field"),
    [
        ([{"a": 1.0}], "missing input column: b", "b"),
        ([{"a": 1.0, "b": 2.0, "c": 3.0}], "unknown input column: c", "c"),
        ([{"a": "x", "b": 2.0}], "input 'a' should be double, got str 'x' in row 0", "a"),
        ([{"a": True, "b": 2.0}], "input 'a' should be double, got bool", "a"),
        ([{"a": None, "b": 2.0}], "input 'a' is null in row 0", "a"),
        ([{"a": [1.0, 2.0], "b": 2.0}], "input 'a' should be double, got list", "a"),
        ([[1.0, 2.0, 3.0]], "row 0 has 3 values, the model takes 2", "[0]"),
        ([{"a": 1.0, "b": 2.0}, [1.0, 2.0]], "rows must all be JSON objects", "[1]"),
    ],
)
def test_bad_rows_name_the_field(rows: list, message: str, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        InputValidator(IRIS).validate(Rows(rows))
    assert message in str(info.value)
    assert info.value.field == field


def test_a_lenient_signature_drops_unknown_columns() -> None:
    lenient = Signature(inputs=IRIS.inputs, strict=False)
    batch = InputValidator(lenient).validate(Rows([{"a": 1.0, "b": 2.0, "id": 7}]))
    assert batch.names == ("a", "b")


def test_mixed_inputs_go_through_arrow_and_are_cast() -> None:
    rows = [
        {"text": "hi", "count": 2, "score": None, "image": [[1, 2], [3, 4]]},
        {"text": "yo", "count": 3, "score": 0.5, "image": [[5, 6], [7, 8]]},
    ]
    batch = InputValidator(MIXED).validate(Rows(rows))
    table = batch.table()
    assert table.schema == MIXED.input_schema
    assert table.column("score").to_pylist() == [None, 0.5]
    assert batch.columns()["image"].shape == (2, 2, 2)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"text": 5, "count": 2, "score": 1.0, "image": [[1, 2], [3, 4]]}, "input 'text'"),
        ({"text": "a", "count": "2", "score": 1.0, "image": [[1, 2], [3, 4]]}, "input 'count'"),
        ({"text": "a", "count": None, "score": 1.0, "image": [[1, 2], [3, 4]]}, "'count' is null"),
        ({"text": "a", "count": 1, "score": 1.0, "image": [[1, 2], [3]]}, "image"),
        ({"text": "a", "count": 1.5, "score": 1.0, "image": [[1, 2], [3, 4]]}, "input 'count'"),
    ],
)
def test_mixed_inputs_refuse_wrong_types(row: dict, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        InputValidator(MIXED).validate(Rows([row]))


def test_columns_with_unequal_lengths_are_refused() -> None:
    with pytest.raises(InvalidInput, match=r"unequal row counts \(a: 2, b: 1\)"):
        InputValidator(IRIS).validate(Columns({"a": np.array([1.0, 2.0]), "b": np.array([1.0])}))


def test_integer_columns_are_cast_to_declared_floats() -> None:
    batch = InputValidator(IRIS).validate(
        Columns({"a": np.array([1, 2]), "b": np.array([3.0, 4.0])})
    )
    assert batch.columns()["a"].dtype == np.float64


def test_tables_are_checked_and_cast() -> None:
    validator = InputValidator(IRIS)
    batch = validator.validate(pa.table({"b": [1, 2], "a": [3.5, 4.5]}))
    assert batch.table().schema == IRIS.input_schema
    with pytest.raises(InvalidInput, match="input 'a' should be double, got string"):
        validator.validate(pa.table({"a": ["x"], "b": [1.0]}))
    with pytest.raises(InvalidInput, match="null in row 1"):
        validator.validate(pa.table({"a": [1.0, None], "b": [1.0, 2.0]}))


@pytest.mark.parametrize("nullable", [True, False])
def test_a_table_of_the_inputs_types_keeps_its_columns_under_the_declared_schema(
    nullable: bool,
) -> None:
    """As an Arrow writer sends the inputs (every column nullable by default) or exactly as
    declared: nothing is cast or copied, and the model sees the declared schema."""
    columns = [pa.array([1.0, 2.0]), pa.array([3.0, 4.0])]
    fields = [pa.field(name, pa.float64(), nullable=nullable) for name in ("a", "b")]
    batch = InputValidator(IRIS).validate(pa.Table.from_arrays(columns, schema=pa.schema(fields)))
    table = batch.table()
    assert table.schema == IRIS.input_schema
    assert table.column("a").chunk(0).buffers()[1].address == columns[0].buffers()[1].address
    assert batch.matrix().tolist() == [[1.0, 3.0], [2.0, 4.0]]


def test_a_table_of_the_inputs_in_another_order_is_read_by_name() -> None:
    batch = InputValidator(IRIS).validate(pa.table({"b": [1.0], "a": [2.0]}))
    assert batch.matrix().tolist() == [[2.0, 1.0]]


def test_free_form_signatures_pass_everything_through() -> None:
    batch = InputValidator(Signature.free()).validate(Rows([{"anything": "x", "n": 1}]))
    assert batch.records() == [{"anything": "x", "n": 1}]


def test_booleans_are_only_scanned_for_when_the_body_may_hold_them() -> None:
    validator = InputValidator(IRIS)
    with pytest.raises(InvalidInput, match="got bool"):
        validator.validate(Rows([{"a": True, "b": 1.0}]))
    assert validator.validate(Rows([{"a": 1.0, "b": 1.0}], may_hold_booleans=False)).num_rows == 1


NAMED = Signature(
    inputs=[Field("customer_id", str), Field("tenure", float)],
    outputs=[Field("churn", float)],
    strict=False,
)


def test_names_only_keeps_the_values_and_types_as_sent() -> None:
    typed = InputValidator(NAMED)
    rows = [{"customer_id": 1042, "tenure": "12", "Unnamed: 0": 0}]
    with pytest.raises(InvalidInput, match="customer_id"):
        typed.validate(Rows(rows))  # a native model's requests are typed
    frame = InputValidator(NAMED, typed=False).validate(Rows(rows)).frame()
    assert list(frame.columns) == ["customer_id", "tenure", "Unnamed: 0"]
    assert frame["customer_id"].tolist() == [1042] and frame["customer_id"].dtype.kind == "i"
    assert frame["tenure"].tolist() == ["12"]
    assert frame["Unnamed: 0"].tolist() == [0]


def test_names_only_still_refuses_a_missing_declared_input() -> None:
    validator = InputValidator(NAMED, typed=False)
    for decoded in (
        Rows([{"tenure": 3.0}]),
        Columns({"tenure": np.array([3.0])}),
        pa.table({"tenure": [3.0]}),
    ):
        with pytest.raises(InvalidInput, match="missing input column: customer_id") as caught:
            validator.validate(decoded)
        assert caught.value.field == "customer_id"


def test_names_only_reads_lists_columns_and_tables_as_sent() -> None:
    validator = InputValidator(NAMED, typed=False)
    lists = validator.validate(Rows([["a-1", 3], ["a-2", None]])).frame()
    assert lists.to_dict(orient="list") == {"customer_id": ["a-1", "a-2"], "tenure": [3, None]}
    with pytest.raises(InvalidInput, match=r"row 1 has 1 values, the model takes 2"):
        validator.validate(Rows([["a-1", 3], ["a-2"]]))
    columns = Columns({"customer_id": np.array([7]), "tenure": np.array(["x"], dtype=object)})
    assert validator.validate(columns).frame().to_dict(orient="list") == {
        "customer_id": [7],
        "tenure": ["x"],
    }
    table = pa.table({"tenure": ["x"], "customer_id": [7], "extra": [True]})
    assert validator.validate(table).table().equals(table)
    assert validator.decoding_schema is None  # CSV text keeps the types it suggests


def test_a_nullable_text_input_null_in_every_row_is_accepted_and_a_required_one_refused() -> None:
    signature = Signature(inputs=[Field("text", str), Field("mode", str, nullable=True)])
    batch = InputValidator(signature).validate(Rows([{"text": "a", "mode": None}]))
    assert batch.records() == [{"text": "a", "mode": None}]
    with pytest.raises(InvalidInput) as caught:
        InputValidator(signature).validate(Rows([{"text": None, "mode": None}]))
    assert caught.value.field == "text"


def test_a_free_form_column_of_values_arrow_cannot_hold_together_names_the_column() -> None:
    """Found by schemathesis: ``{"k": {"a": "x", "b": []}}`` (pandas' columns orient) reached a
    free-form model's batch and failed as the model's 500 when the batch was first viewed."""
    validator = InputValidator(Signature(strict=False, free_form=True))
    mixed = np.array(["x", []], dtype=object)
    with pytest.raises(InvalidInput, match="column 'k'") as refused:
        validator.validate(Columns({"k": mixed}))
    assert refused.value.field == "k"
    same_kind = np.array(["x", "y"], dtype=object)
    assert validator.validate(Columns({"k": same_kind})).view("records") == [{"k": "x"}, {"k": "y"}]


def test_an_untyped_column_of_empty_lists_names_the_column() -> None:
    """Found by schemathesis: ``{"x": [[], []]}`` to a Qwak model (inputs read as sent) failed
    as the model's 500 when its batch was first viewed (no Arrow list of size 0)."""
    validator = InputValidator(Signature(inputs=[Field("x", float)], strict=False), typed=False)
    with pytest.raises(InvalidInput, match="column 'x'") as refused:
        validator.validate(Columns({"x": np.empty((2, 0))}))
    assert refused.value.field == "x"
    assert validator.validate(Columns({"x": np.ones((2, 2))})).num_rows == 2
