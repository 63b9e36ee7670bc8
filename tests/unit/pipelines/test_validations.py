"""Validation expressions: the whitelist, per-row evaluation and the anomaly counts."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from modelport.errors import InvalidInput, ModelFailed
from modelport.pipelines.definition import Validation
from modelport.pipelines.validations import compile_validation, count_failures, failed_rows
from modelport.tables import numpy_to_array


def _compiled(expression: str, label: str = "check"):  # type: ignore[no-untyped-def]
    return compile_validation(Validation(label, expression))


OUTPUTS = pa.table(
    {
        "predictions": [10.0, 2_000_000.0, -5.0, float("nan")],
        "species": ["setosa", "virginica", "setosa", "versicolor"],
        "scores": numpy_to_array(np.array([[0.1, 0.2], [0.5, 0.9], [0.3, 0.3], [0.0, 1.0]])),
    }
)


@pytest.mark.parametrize(
    ("expression", "failures"),
    [
        ("out.predictions < 1000000", [0, 1, 0, 1]),
        ("out['predictions'] >= 0 and out.predictions < 1000000", [0, 1, 1, 1]),
        ("0 <= out.predictions <= 1000000", [0, 1, 1, 1]),
        ("not out.predictions > 100", [0, 1, 0, 0]),
        ("abs(out.predictions) < 6 or out.species == 'setosa'", [0, 1, 0, 1]),
        ("out.predictions * 2 + 1 != 21", [1, 0, 0, 0]),
        ("-out.predictions < 0", [0, 0, 1, 1]),
        ("out.scores < 0.95", [0, 0, 0, 1]),  # a tensor row passes when every element does
    ],
)
def test_rows_failing_a_validation_are_counted(expression: str, failures: list[int]) -> None:
    assert count_failures([_compiled(expression)], OUTPUTS).tolist() == failures


def test_failures_of_several_validations_add_up() -> None:
    validations = [_compiled("out.predictions < 1000000", "a"), _compiled("out.predictions > 0")]
    assert count_failures(validations, OUTPUTS).tolist() == [0, 1, 1, 2]


def test_no_validations_means_no_failures() -> None:
    assert count_failures([], OUTPUTS).tolist() == [0, 0, 0, 0]


def test_each_validation_says_where_rows_failed_it() -> None:
    validations = [_compiled("out.predictions < 1000000", "a"), _compiled("out.predictions > 0")]
    found = failed_rows(validations, OUTPUTS)
    assert {label: rows.tolist() for label, rows in found.items()} == {
        "a": [False, True, False, True],
        "check": [False, False, True, True],
    }


def test_count_is_not_a_label_since_anomaly_count_counts_them() -> None:
    with pytest.raises(InvalidInput, match="cannot be labelled 'count'"):
        _compiled("out.predictions < 1", "count")


@pytest.mark.parametrize(
    ("expression", "complaint"),
    [
        ("__import__('os').system('true')", "not a condition"),
        ("out.x < __import__('os')", "not allowed"),
        ("open('/etc/passwd') == 1", "not allowed"),
        ("out.x.__class__ == 1", "not allowed"),
        ("(lambda: 1)() == 1", "not allowed"),
        ("[c for c in out] == 1", "not allowed"),
        ("out.x in [1, 2]", "comparison that is not allowed"),
        ("out.x is None", "not allowed"),
        ("other.x < 1", "not allowed"),
        ("out.predictions +", "not an expression"),
        ("out.predictions", "not a condition"),
        ("1 < 2", "reads no output column"),
    ],
)
def test_anything_outside_the_whitelist_is_refused(expression: str, complaint: str) -> None:
    with pytest.raises(InvalidInput, match=complaint) as caught:
        _compiled(expression, "guard")
    assert "'guard'" in str(caught.value)
    assert caught.value.field == "expression"


def test_comparing_a_text_column_with_a_number_fails_with_the_label() -> None:
    with pytest.raises(ModelFailed, match=r"validation 'odd'.*cannot be evaluated"):
        count_failures([_compiled("out.species < 3", "odd")], OUTPUTS)


def test_a_column_the_output_lacks_is_named() -> None:
    with pytest.raises(ModelFailed, match="reads missing, which the last step does not return"):
        count_failures([_compiled("out.missing < 3")], OUTPUTS)


def test_an_overlong_expression_is_refused() -> None:
    with pytest.raises(InvalidInput, match="over 1000 characters"):
        _compiled("out.x < " + "1" * 1000)
