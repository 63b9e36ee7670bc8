"""A scikit-learn pickle built by the real command in an environment of its own: the environment
gets the scikit-learn installed here and the ONNX converters, the build converts the model, and
`modelport serve` answers from the graph as scikit-learn does (slow: one environment)."""

from __future__ import annotations

import importlib.metadata
import zipfile
from pathlib import Path

import httpx
import joblib
import numpy as np
import pytest
import yaml

from modelport.testing import start_server

from ..cli import run_cli
from .conftest import iris_classifier

pytestmark = pytest.mark.slow

ROWS = np.array([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3], [5.9, 3.0, 4.2, 1.5]])


def test_a_pickled_classifier_gets_its_framework_and_is_served_by_onnxruntime(
    tmp_path: Path,
) -> None:
    upload = tmp_path / "iris.joblib"
    joblib.dump(iris_classifier(), upload)
    home = tmp_path / "home"
    built = run_cli("build", str(upload), "--framework", "sklearn", home=home, timeout=900)
    assert built.code == 0, built.stderr + built.stdout
    exported = run_cli("export", "iris:1", "-o", str(tmp_path / "iris.zip"), home=home)
    assert exported.code == 0, exported.stderr
    with zipfile.ZipFile(tmp_path / "iris.zip") as archive:
        lock = yaml.safe_load(archive.read("modelport.yaml"))["lock"]
        assert "src/converted.onnx" in archive.namelist()
    assert f"scikit-learn=={importlib.metadata.version('scikit-learn')}" in lock
    assert any(line.startswith(("skl2onnx==", "onnxruntime==")) for line in lock)
    assert "served by onnx: converted to ONNX: it answers as sklearn does" in built.stdout
    environ = {"MODELPORT_HOME": str(home)}
    with start_server("iris", log_dir=tmp_path, env=environ, ready_timeout=300) as server:
        answer = httpx.post(
            f"{server.url}/v1/models/iris/predict",
            json=[{"inputs": row.tolist()} for row in ROWS],
            timeout=30,
        )
    assert answer.status_code == 200, answer.text
    expected = iris_classifier().predict(ROWS).tolist()
    assert [row["predictions"] for row in answer.json()] == expected
