"""A model that takes no DataFrames gets an environment without pandas, so scikit-learn (which
imports pandas whenever it is installed) does not load it into the server (slow: real uv
environments, one per project, reused through uv's cache)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest
import yaml

from modelport.testing import start_server

from .cli import Result, run_cli

pytestmark = pytest.mark.slow

MODEL = """
import numpy as np
from sklearn import svm

import modelport
from modelport import Field, Signature

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


class IrisSVC(modelport.Model):
    def build(self):
        from sklearn import datasets

        iris = datasets.load_iris()
        self.classifier = svm.SVC(gamma="scale").fit(iris.data, iris.target)

    def predict(self, features: np.ndarray) -> np.ndarray:
        return self.classifier.predict(features)

    def schema(self):
        return Signature(
            inputs=[Field(name, float) for name in FEATURES], outputs=[Field("species", int)]
        )
"""

TEST = """
import numpy as np
from main import IrisSVC


def test_predicts_a_setosa():
    model = IrisSVC()
    model.build()
    assert model.predict(np.array([[5.1, 3.5, 1.4, 0.2]])).tolist() == [0]
"""

OFFLINE = {"UV_OFFLINE": "1", "UV_NO_CACHE": "1"}
ROW = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}


def _project(folder: Path, model: str) -> Path:
    (folder / "main").mkdir(parents=True)
    (folder / "main" / "__init__.py").write_text("from .model import IrisSVC\n")
    (folder / "main" / "model.py").write_text(model)
    (folder / "main" / "requirements.txt").write_text("scikit-learn>=1.3\nnumpy\n")
    (folder / "tests" / "ut").mkdir(parents=True)
    (folder / "tests" / "ut" / "test_model.py").write_text(TEST)
    return folder


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pandas-free-home")


@pytest.fixture(scope="module")
def numpy_build(home: Path, tmp_path_factory: pytest.TempPathFactory) -> Result:
    project = _project(tmp_path_factory.mktemp("numpy-src") / "iris-svc", MODEL)
    result = run_cli("build", str(project), home=home, timeout=900)
    assert result.code == 0, result.stderr
    return result


def _lock(home: Path, reference: str, tmp_path: Path) -> list[str]:
    archive = tmp_path / f"{reference.replace(':', '-')}.zip"
    assert run_cli("export", reference, "-o", str(archive), home=home).code == 0
    import zipfile

    with zipfile.ZipFile(archive) as zipped:
        lock: list[str] = yaml.safe_load(zipped.read("modelport.yaml"))["lock"]
    return lock


def test_a_numpy_model_is_built_and_served_without_pandas(
    numpy_build: Result, home: Path, tmp_path: Path
) -> None:
    assert "leaves pandas out" in numpy_build.stdout + numpy_build.stderr
    lock = _lock(home, "iris-svc:1", tmp_path)
    assert any(line.startswith("scikit-learn==") for line in lock)
    assert not any(line.startswith("pandas==") for line in lock)
    # the first serve, with uv unable to reach any index or cache: finding the environment the
    # model was built in needs no resolution, so a machine offline serves what it built
    environ = {"MODELPORT_HOME": str(home), **OFFLINE}
    with start_server("iris-svc", log_dir=tmp_path, env=environ, ready_timeout=180) as server:
        process, base = server.process, server.url
        answer = httpx.post(f"{base}/v1/models/iris-svc/predict", json=[ROW], timeout=10)
        assert answer.json() == [{"species": 0}]
        csv = httpx.post(
            f"{base}/v1/models/iris-svc/predict",
            content=b"sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n",
            headers={"Content-Type": "text/csv", "Accept": "text/csv"},
            timeout=10,
        )
        assert csv.text.replace('"', "").split() == ["species", "0"]
        python = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")[0].decode()
        loaded = Path(f"/proc/{process.pid}/maps").read_text()
    assert "/sklearn/" in loaded  # the real server process, with the model's framework loaded
    assert "/pandas/" not in loaded
    missing = subprocess.run([python, "-c", "import pandas"], capture_output=True, text=True)
    assert missing.returncode != 0 and "No module named 'pandas'" in missing.stderr


def test_a_model_taking_dataframes_gets_pandas(
    numpy_build: Result, home: Path, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Same requirements, but predict is not annotated: it receives a DataFrame."""
    unannotated = MODEL.replace("features: np.ndarray) -> np.ndarray", "features)")
    project = _project(tmp_path_factory.mktemp("frame-src") / "iris-frame", unannotated)
    result = run_cli("build", str(project), home=home, timeout=900)
    assert result.code == 0, result.stderr
    assert "leaves pandas out" not in result.stdout + result.stderr
    assert any(line.startswith("pandas==") for line in _lock(home, "iris-frame:1", tmp_path))


def test_predict_runs_in_the_environment_without_pandas(numpy_build: Result, home: Path) -> None:
    """`modelport predict` loads the model in its own environment too: CSV rows and the table
    it prints need no pandas."""
    rows = home / "rows.csv"
    rows.write_text("sepal_length,sepal_width,petal_length,petal_width\n6.7,3.0,5.2,2.3\n")
    result = run_cli("predict", "iris-svc", "--file", str(rows), "--json", home=home)
    assert result.code == 0, result.stderr
    assert '"species": 2' in result.stdout
