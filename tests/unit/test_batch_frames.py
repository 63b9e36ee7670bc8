"""A batch's DataFrame view reuses its column labels from request to request (pandas 3 builds an
Arrow-backed string array for every new Index), and frames sharing them stay independent."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from modelport.batch import Batch

NAMES = ("sepal_length", "sepal_width")
SCHEMA = pa.schema([(name, pa.float64()) for name in NAMES])


def _frame(values: list[float]) -> pd.DataFrame:
    frame: pd.DataFrame = Batch.from_matrix(np.array([values]), NAMES, SCHEMA).frame()
    return frame


def test_frames_of_the_same_columns_share_their_labels() -> None:
    first, second = _frame([1.0, 2.0]), _frame([3.0, 4.0])
    assert first.columns is second.columns
    assert list(first.columns) == list(NAMES)
    assert second[list(NAMES)].to_numpy().tolist() == [[3.0, 4.0]]


def test_a_model_changing_its_frame_changes_no_other_frame() -> None:
    first = _frame([1.0, 2.0])
    first["extra"] = 0.0
    second = _frame([3.0, 4.0])
    second.columns = pd.Index(["renamed", "sepal_width"])
    assert list(_frame([5.0, 6.0]).columns) == list(NAMES)
    assert list(first.columns) == [*NAMES, "extra"]


def test_columns_of_one_dtype_make_the_frame_pandas_makes_with_kept_labels() -> None:
    columns = {"sepal_length": np.array([5.1, 6.7]), "sepal_width": np.array([3.5, 3.0])}
    first = Batch.from_columns(dict(columns)).frame()
    second = Batch.from_columns(dict(columns)).frame()
    pd.testing.assert_frame_equal(first, pd.DataFrame(columns))
    assert first.columns is second.columns
    first.loc[0, "sepal_length"] = 0.0  # the model's own copy: the batch's columns are intact
    assert columns["sepal_length"][0] == 5.1


def test_columns_of_several_dtypes_keep_each_dtype() -> None:
    columns = {
        "count": np.array([1, 2]),
        "size": np.array([0.5, 1.5]),
        "name": np.array(["a", "b"]),
    }
    frame = Batch.from_columns(dict(columns)).frame()
    pd.testing.assert_frame_equal(frame, pd.DataFrame(columns))
    assert frame["count"].dtype == np.int64
