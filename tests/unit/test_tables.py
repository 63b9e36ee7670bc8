"""Arrow batches to and from what models take and return."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from modelport.batch import Batch
from modelport.errors import InvalidInput, ModelFailed
from modelport.tables import (
    column_to_numpy,
    numpy_to_array,
    rows_to_table,
    sample_to_table,
    to_table,
)


def _table() -> pa.Table:
    return pa.table({"x": [1.0, 2.0], "label": ["a", "b"]})


def test_a_table_batch_gives_each_view() -> None:
    table = _table()
    batch = Batch.from_table(table)
    assert batch.view("arrow") is table
    frame = batch.view("pandas")
    assert isinstance(frame, pd.DataFrame) and frame["x"].tolist() == [1.0, 2.0]
    arrays = batch.view("numpy")
    assert isinstance(arrays["x"], np.ndarray) and arrays["x"].dtype == np.float64
    assert batch.view("records") == [{"x": 1.0, "label": "a"}, {"x": 2.0, "label": "b"}]


@pytest.mark.parametrize(
    "table",
    [
        pa.table({"x": [1.0, 2.0], "n": pa.array([3, 4], pa.int32())}),
        pa.table({"x": pa.array([1, None, 3], pa.int64()), "y": [1.5, 2.5, None]}),
        pa.Table.from_batches([pa.record_batch({"x": [1.0]}), pa.record_batch({"x": [2.0]})]),
        pa.table({"x": [1.0, 2.0], "label": ["a", "b"]}),
    ],
    ids=["numbers", "nulls", "chunks", "text"],
)
def test_a_table_batch_s_matrix_is_its_columns_side_by_side(table: pa.Table) -> None:
    """Read straight from the table when every column is a number; the same matrix as the
    columns view gives, nulls as NaN, over every chunk."""
    matrix = Batch.from_table(table).matrix()
    expected = np.column_stack(list(Batch.from_table(table).columns().values()))
    assert matrix.dtype == expected.dtype and matrix.shape == (table.num_rows, table.num_columns)
    np.testing.assert_array_equal(matrix, expected)


def test_tensor_columns_round_trip_through_numpy() -> None:
    images = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    array = numpy_to_array(images)
    assert array.type == pa.list_(pa.list_(pa.float32(), 4), 3)
    back = column_to_numpy(pa.chunked_array([array]))
    assert back.shape == (2, 3, 4)
    np.testing.assert_array_equal(back, images)


def test_variable_lists_of_one_length_become_a_tensor_at_every_level() -> None:
    chunks = [pa.array([[[1, 2], [3, 4]]]), pa.array([[[5, 6], [7, 8]], [[0, 0], [0, 0]]])]
    nested = column_to_numpy(pa.chunked_array(chunks).slice(0, 2))
    assert nested.dtype == np.int64 and nested.shape == (2, 2, 2)
    assert nested.tolist() == [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]


@pytest.mark.parametrize(
    "rows", [[[1.0, 2.0], [3.0]], [[1.0, 2.0], None]], ids=["ragged", "null row"]
)
def test_ragged_or_missing_rows_stay_objects(rows: list[list[float] | None]) -> None:
    values = column_to_numpy(pa.chunked_array([pa.array(rows)]))
    assert values.dtype == object and values.shape == (2,)


@pytest.mark.parametrize(
    "result",
    [
        pd.DataFrame({"species": [0, 1]}),
        pd.Series([0, 1]),
        np.array([0, 1]),
        [0, 1],
        {"species": np.array([0, 1])},
        [{"species": 0}, {"species": 1}],
        pa.table({"species": [0, 1]}),
    ],
    ids=["frame", "series", "ndarray", "list", "dict", "records", "arrow"],
)
def test_to_table_reads_every_return_kind(result: object) -> None:
    table = to_table(result, output_names=["species"])
    assert table.column_names == ["species"]
    assert table.column("species").to_pylist() == [0, 1]


def test_two_dimensional_output_is_split_into_the_declared_columns() -> None:
    table = to_table(np.array([[0.1, 0.9], [0.8, 0.2]]), output_names=["no", "yes"])
    assert table.column_names == ["no", "yes"]
    assert table.column("yes").to_pylist() == [0.9, 0.2]


def test_unreadable_result_is_a_model_failure_naming_the_type() -> None:
    with pytest.raises(ModelFailed, match="predict returned object"):
        to_table(object())


def test_sample_to_table_accepts_records_and_frames() -> None:
    assert sample_to_table([{"a": 1}, {"a": 2}]).num_rows == 2
    assert sample_to_table(pd.DataFrame({"a": [1, 2, 3]})).num_rows == 3


def test_list_rows_of_unequal_length_for_a_model_without_named_inputs_are_refused() -> None:
    """Found by schemathesis: a free-form model's rows ``[[1, 2], [3]]`` answered 500."""
    with pytest.raises(InvalidInput, match="row 1 has 1 values, the first row has 2") as refused:
        rows_to_table([[1, 2], [3]], [])
    assert refused.value.field == "[1]"
    assert rows_to_table([[1, 2], [3, 4]], []).column("1").to_pylist() == [2, 4]
