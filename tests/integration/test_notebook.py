"""modelport from a notebook: ``modelport.build`` registers a project, ``modelport.load`` runs a
registered model in this interpreter, and its ``predict`` answers (and refuses) as a server does."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

import modelport
from modelport.errors import BuildFailed, InvalidInput, NotFound

ROW = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}
OTHER = {"sepal_length": 6.7, "sepal_width": 3.0, "petal_length": 5.2, "petal_width": 2.3}


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("MODELPORT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MODELPORT_REGISTRY_URI", raising=False)
    return tmp_path / "home"


def test_build_load_and_predict_in_this_interpreter(
    project_factory: Callable[..., Path], tmp_path: Path, home: Path
) -> None:
    project = project_factory(tmp_path / "iris", template="sklearn")
    version = modelport.build(project, env="inherit")
    assert (version.model, version.number) == ("iris", 1)
    assert modelport.build(project, env="inherit").number == 1  # unchanged: no new version

    model = modelport.load("iris")
    assert (model.name, model.version) == ("iris", 1)
    assert [f.name for f in model.signature.outputs] == ["species"]
    expected = pd.DataFrame({"species": [0, 2]})
    for rows in (
        [ROW, OTHER],
        pd.DataFrame([ROW, OTHER]),
        {name: [ROW[name], OTHER[name]] for name in ROW},
        pa.Table.from_pylist([ROW, OTHER]),
    ):
        pd.testing.assert_frame_equal(model.predict(rows), expected, check_dtype=False)

    with pytest.raises(InvalidInput) as missing:
        model.predict([{"sepal_length": 5.1}])
    assert missing.value.field is not None and "sepal_width" in missing.value.field
    with pytest.raises(InvalidInput, match="cannot predict on a int"):
        model.predict(5)


def test_a_failing_unit_test_and_an_unknown_model_raise(
    project_factory: Callable[..., Path], tmp_path: Path, home: Path
) -> None:
    project = project_factory(tmp_path / "echo")
    (project / "tests" / "ut" / "test_broken.py").write_text("def test_no():\n    assert False\n")
    with pytest.raises(BuildFailed, match="unit tests failed"):
        modelport.build(project, env="inherit")
    version = modelport.build(project, env="inherit", run_tests=False)
    assert version.model == "echo"
    with pytest.raises(NotFound):
        modelport.load("nothing-here")
