"""Wallaroo's data rules, each broken on its own."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from modelport.errors import InvalidInput, ModelFailed
from modelport.formats.wallaroo.data_rules import (
    check_input_columns,
    check_json_input,
    check_output,
)


def test_tensors_of_one_shape_and_type_pass() -> None:
    check_input_columns(
        {
            "t": [[2.35, 5.75, 19.2], [5.55, 7.2, 15.7]],
            "s": [["Bob", "Nancy", "Wani"], ["Jason", "Rita", "Phoebe"]],
            "n": np.array([1, 2]),
            "missing": [None, 1.5],
        }
    )


def test_json_records_are_checked_column_by_column() -> None:
    check_json_input([{"t": [1.0, 2.0], "s": "a"}, {"t": [3.0, 4.0], "s": "b"}])
    with pytest.raises(InvalidInput) as caught:
        check_json_input([{"t": [1.0, 2.0]}, {"t": [3.0, "four"]}])
    assert caught.value.field == "t[1]"


def test_json_columns_of_unequal_rows_are_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_json_input({"t": [[1.0], [2.0]], "u": [1.0]})
    assert caught.value.field == "u"


def test_records_in_an_envelope_are_checked() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_json_input({"instances": [{"t": [1.0, 2.0]}, {"t": [3.0]}]})
    assert caught.value.field == "t[1]"


def test_other_json_shapes_are_left_to_the_reader() -> None:
    check_json_input({"columns": ["t"], "data": [[1.0, "a"], [2.0]]})
    check_json_input([[1.0, "a"], [2.0]])
    check_json_input([{"t": [1.0]}, {"t": ["a"]}], orient="columns")


def test_unequal_rows_are_refused_naming_the_column() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_input_columns({"a": [1.0, 2.0, 3.0], "b": [1.0, 2.0]})
    assert caught.value.field == "b"
    assert "'a' has 3, 'b' has 2" in caught.value.message


def test_a_ragged_tensor_is_refused_naming_the_row() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_input_columns({"t": [[2.35, 5.75], [3.72, 8.55, 10.5], [5.55, 97.2]]})
    assert caught.value.field == "t[1]"
    assert "row 1 has shape (3,) where row 0 has (2,)" in caught.value.message


def test_a_row_ragged_inside_itself_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_input_columns({"t": [[[1.0, 2.0], [3.0, 4.0]], [[1.0], [3.0, 4.0]]]})
    assert caught.value.field == "t[1]"
    assert "holds lists of different lengths" in caught.value.message


def test_mixed_data_types_in_a_tensor_are_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_input_columns({"t": [[2.35, "Bob"], [3.72, "Nancy"], [5.55, "Wani"]]})
    assert caught.value.field == "t[0]"
    assert "mixes data types (number and string)" in caught.value.message


def test_mixed_data_types_across_rows_are_refused_at_the_first_odd_row() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_input_columns({"t": [[1.0, 2.0], [3.0, 4.0], ["a", "b"]]})
    assert caught.value.field == "t[2]"


OUTPUT = pa.schema([pa.field("score", pa.float64()), pa.field("label", pa.string())])


def test_output_columns_take_their_types_from_the_output_schema() -> None:
    table = check_output(
        {"label": np.array(["a", "b"], dtype=object), "score": np.array([1, 2])},
        rows=2,
        schema=OUTPUT,
    )
    assert table.column_names == ["label", "score"]  # the returned dict's order
    assert table.schema.field("score").type == pa.float64()


def test_output_rows_unequal_to_input_rows_is_a_model_failure() -> None:
    with pytest.raises(ModelFailed) as caught:
        check_output({"score": [1.0], "label": ["a"]}, rows=2, schema=OUTPUT)
    assert caught.value.status == 500
    assert "1 rows for 2 input rows" in caught.value.message


def test_an_output_missing_a_schema_column_is_a_model_failure() -> None:
    with pytest.raises(ModelFailed, match=r"missing \['label'\]"):
        check_output({"score": [1.0, 2.0]}, rows=2, schema=OUTPUT)


def test_an_output_of_the_wrong_type_is_a_model_failure_naming_the_column() -> None:
    with pytest.raises(ModelFailed) as caught:
        check_output({"score": ["high", "low"], "label": ["a", "b"]}, rows=2, schema=OUTPUT)
    assert caught.value.field == "score"


def test_an_output_that_is_not_a_dict_is_a_model_failure() -> None:
    with pytest.raises(ModelFailed, match="not a dict of column name to array"):
        check_output(np.array([1.0, 2.0]), rows=2, schema=OUTPUT)  # type: ignore[arg-type]
