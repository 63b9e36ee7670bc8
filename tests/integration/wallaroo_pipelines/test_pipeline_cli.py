"""`modelport pipeline` through the real command: show, logs read back with --since, and
one-line errors for a bad step or validation (create, add-step, add-validation and infer are run
through the command in tests/integration/wallaroo/test_pipeline_of_uploads.py)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from modelport.pipelines.logs import InferenceLog

from ..cli import run_cli
from .conftest import ROWS, Registry


def _json(home: Path, *args: str) -> Any:
    result = run_cli(*args, home=home)
    assert result.code == 0, result.stderr
    return result.json()


def _refused(home: Path, *args: str) -> str:
    result = run_cli(*args, home=home)
    assert result.code == 1, result.stdout
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    return line


def test_show_tells_steps_validations_and_versions(pipeline_home: Path) -> None:
    shown = _json(pipeline_home, "pipeline", "show", "iris", "--json")
    assert shown["version"] == 3 and shown["versions"] == [1, 2, 3]
    assert [s["model"] for s in shown["steps"]] == ["iris-scaler", "iris-classifier", "iris-label"]
    assert shown["validations"] == [{"label": "confident", "expression": "out.confidence > 90"}]


def test_logs_are_read_back_since_a_time(pipeline_home: Path, registry: Registry) -> None:
    stores = {"registry": registry.models, "pipelines": registry.pipelines}
    from modelport.pipelines import editing

    editing.create_pipeline("iris-logged", steps=["iris-scaler"], **stores)
    registry.infer("iris-logged", ROWS[1:])  # not logged: logging is off
    turned_on = run_cli("pipeline", "update", "iris-logged", "--log-inferences", home=pipeline_home)
    assert turned_on.code == 0, turned_on.stderr
    assert "inference logging on" in turned_on.stdout
    registry.infer("iris-logged", ROWS[:1])
    time.sleep(0.01)
    between = datetime.now(UTC).isoformat()
    registry.infer("iris-logged", ROWS)

    recent = _json(pipeline_home, "pipeline", "logs", "iris-logged", "--since", between, "--json")
    assert [r["in.sepal_length"] for r in recent] == [5.1, 6.3]
    assert {r["pipeline_version"] for r in recent} == {1}
    assert len(recent[0]["out.features"]) == 4
    logged = InferenceLog.of("iris-logged", settings=registry.settings).read()
    assert logged.column("in.sepal_length").to_pylist() == [5.1, 5.1, 6.3]
    newest = _json(pipeline_home, "pipeline", "logs", "iris-logged", "--limit", "1", "--json")
    assert [r["in.sepal_length"] for r in newest] == [6.3]


def test_a_bad_step_or_validation_is_one_clear_line(pipeline_home: Path) -> None:
    unknown = _refused(pipeline_home, "pipeline", "add-step", "iris", "no-such-model")
    assert "step 'no-such-model'" in unknown and "modelport models list" in unknown
    unsafe = _refused(
        pipeline_home, "pipeline", "add-validation", "iris", "v", "__import__('os') == 1"
    )
    assert "validation 'v'" in unsafe and "is not allowed" in unsafe


def test_a_name_that_is_not_dns_compliant_is_refused_with_the_fixed_name(
    pipeline_home: Path,
) -> None:
    line = _refused(pipeline_home, "pipeline", "create", "my_pipe", "--step", "iris-scaler")
    assert "name 'my_pipe' is not DNS-compliant (it holds '_')" in line
    assert "Use 'my-pipe'" in line
    assert run_cli("pipeline", "show", "my_pipe", home=pipeline_home).code == 1
