"""Pipelines of registered native models, run in this process: versions, the result frame,
validations, and the checks made before a change is stored."""

from __future__ import annotations

import orjson
import pytest

from modelport.errors import Conflict, InvalidInput, NotFound
from modelport.pipelines import editing

from .conftest import ROWS, Registry


def test_three_registered_models_answer_with_the_result_frame(registry: Registry) -> None:
    frame = registry.infer("iris", ROWS)
    assert frame.column_names[:9] == [
        "time",
        *(f"in.{name}" for name in ROWS[0]),
        "out.species",
        "out.confidence",
        "anomaly.count",
        "anomaly.confident",
    ]
    [last_model] = set(frame.column("metadata.last_model").to_pylist())
    sha = registry.models.get_version(name="iris-label", number=1).digest.removeprefix("sha256:")
    assert orjson.loads(last_model) == {"model_name": "iris-label", "model_sha": sha}
    assert frame.column("out.species").to_pylist() == ["setosa", "versicolor"]
    confidence = frame.column("out.confidence").to_pylist()
    assert confidence[0] > 90 > confidence[1]
    assert frame.column("anomaly.count").to_pylist() == [0, 1]


def test_each_version_runs_its_own_steps(registry: Registry) -> None:
    first = registry.infer("iris:1", ROWS)
    assert [n for n in first.column_names if n.startswith("out.")] == [
        "out.predictions",
        "out.probability",
    ]
    assert first.column("out.predictions").to_pylist() == [0, 1]
    assert first.column("anomaly.count").to_pylist() == [0, 0]  # no validation until v3
    second = registry.infer("iris:2", ROWS)
    assert second.column("out.species").to_pylist() == ["setosa", "versicolor"]
    assert second.column("anomaly.count").to_pylist() == [0, 0]


def test_changes_that_cannot_run_are_refused_before_they_are_stored(registry: Registry) -> None:
    stores = {"registry": registry.models, "pipelines": registry.pipelines}
    with pytest.raises(InvalidInput, match=r"step 4 \(iris-classifier:1\) takes column 'features'"):
        editing.add_step("iris", "iris-classifier", **stores)
    with pytest.raises(NotFound, match="step 'iris-nothing' names no registered model version"):
        editing.add_step("iris", "iris-nothing", **stores)
    with pytest.raises(InvalidInput, match=r"reads out\.price.*returns: species, confidence"):
        editing.add_validation("iris", "cheap", "out.price < 5", **stores)
    with pytest.raises(Conflict, match="already has a validation labelled 'confident'"):
        editing.add_validation("iris", "confident", "out.confidence > 50", **stores)
    with pytest.raises(Conflict, match="a model is already called 'iris-label'"):
        editing.create_pipeline("iris-label", **stores)
    assert registry.pipelines.get(name="iris").latest == 3
