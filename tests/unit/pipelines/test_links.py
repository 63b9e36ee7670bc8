"""How loosely one step's output field may feed the next step's input field."""

from __future__ import annotations

import pyarrow as pa
import pytest

from modelport.pipelines.links import fits
from modelport.schema import Field


def _listed(arrow_type: pa.DataType) -> Field:
    return Field.from_arrow(pa.field("t", arrow_type))


@pytest.mark.parametrize(
    ("given", "wanted", "expected"),
    [
        (Field("t", "float32", shape=(1,)), _listed(pa.list_(pa.float64())), True),
        (_listed(pa.list_(pa.float64())), Field("t", "float32", shape=(4,)), True),
        (Field("t", "float32", shape=(2, 3)), _listed(pa.list_(pa.list_(pa.float32()))), True),
        (Field("t", "int64", shape=(3,)), _listed(pa.list_(pa.float64())), True),
        (Field("t", "float32", shape=(3,)), Field("t", "float32", shape=(4,)), False),
        (Field("t", "float32"), _listed(pa.list_(pa.float64())), False),
        (Field("t", "float32", shape=(2, 3)), _listed(pa.list_(pa.float64())), False),
        (Field("t", "string", shape=(1,)), _listed(pa.list_(pa.float64())), False),
        (Field("t", "float64", shape=(1,)), _listed(pa.list_(pa.int64())), False),
    ],
)
def test_tensor_levels_must_agree_where_both_fix_them(
    given: Field, wanted: Field, expected: bool
) -> None:
    assert fits(given, wanted) is expected
