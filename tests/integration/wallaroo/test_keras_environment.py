"""A Keras file and a TensorFlow SavedModel zip built by the real command in an environment of
their own (the default env mode: TensorFlow, Keras and tf2onnx installed from the configured
indexes, one environment for both) and served by `modelport serve`: the Keras file by onnxruntime
on the graph tf2onnx converted it to (the default, auto), the SavedModel by TensorFlow itself
(--runtime framework), with the model's answers (slow: the environment takes some 2 minutes the
first time, through uv's cache; the second build reuses it).
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pyarrow as pa
import pytest

from modelport.testing import ServerProcess, start_server

from ..cli import Result, run_cli

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")
pytest.importorskip("tf2onnx")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings(  # Keras' own saving, with numpy 2
        "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
    ),
]
INPUTS = pa.schema([pa.field("tensor", pa.list_(pa.float32(), 4))])
OUTPUTS = pa.schema([pa.field("scores", pa.list_(pa.float32(), 3))])
ROWS = np.random.default_rng(11).standard_normal((3, 4)).astype(np.float32)
NAMES = ("keras-scorer", "tf-scorer")
"""The Keras file served by onnxruntime, the SavedModel served by TensorFlow."""


def b64(schema: pa.Schema) -> str:
    return base64.b64encode(schema.serialize().to_pybytes()).decode()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("keras-env-files")
    keras.utils.set_random_seed(3)
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(6, activation="tanh"), keras.layers.Dense(3)]
    )
    model.save(work / "scorer.keras")
    model.export(work / "scorer_saved", verbose=False)
    with zipfile.ZipFile(work / "scorer_saved.zip", "w") as zipped:
        for path in sorted((work / "scorer_saved").rglob("*")):
            zipped.write(path, path.relative_to(work).as_posix())
    np.save(work / "expected.npy", model(ROWS, training=False).numpy())
    return {"keras": work / "scorer.keras", "zip": work / "scorer_saved.zip", "work": work}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keras-env-home")


def build(path: Path, home: Path, *options: str) -> Result:
    return run_cli(
        "build",
        str(path),
        "--input-schema",
        b64(INPUTS),
        "--output-schema",
        b64(OUTPUTS),
        *options,
        home=home,
        timeout=900,
    )


@pytest.fixture(scope="module")
def built(files: dict[str, Path], home: Path) -> dict[str, Result]:
    converted = build(files["keras"], home, "--framework", "keras", "--name", NAMES[0])
    assert converted.code == 0, converted.stderr + converted.stdout
    own = ("--framework", "tensorflow", "--runtime", "framework", "--name", NAMES[1])
    framework = build(files["zip"], home, *own)
    assert framework.code == 0, framework.stderr + framework.stdout
    return {NAMES[0]: converted, NAMES[1]: framework}


@pytest.fixture(scope="module")
def servers(
    built: dict[str, Result], home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, ServerProcess]]:
    log_dir = tmp_path_factory.mktemp("keras-env-logs")
    environ = {"MODELPORT_HOME": str(home), "TF_CPP_MIN_LOG_LEVEL": "3"}
    with (
        start_server(NAMES[0], log_dir=log_dir, env=environ, ready_timeout=300) as converted,
        start_server(NAMES[1], log_dir=log_dir, env=environ, ready_timeout=300) as framework,
    ):
        yield {NAMES[0]: converted, NAMES[1]: framework}


def expected(files: dict[str, Path]) -> np.ndarray:
    found: np.ndarray = np.load(files["work"] / "expected.npy")
    return found


def python_of(server: ServerProcess) -> Path:
    return Path(Path(f"/proc/{server.process.pid}/cmdline").read_bytes().split(b"\0")[0].decode())


def test_both_are_served_from_one_environment_of_their_own_with_this_tensorflow(
    built: dict[str, Result], servers: dict[str, ServerProcess]
) -> None:
    first, second = (python_of(servers[name]) for name in NAMES)
    assert first == second
    assert first.parent.parent != Path(sys.prefix)  # its own environment, not this one
    assert "installing" in built[NAMES[0]].stdout
    assert "reusing environment" in built[NAMES[1]].stdout
    version = subprocess.run(
        [str(first), "-c", "import tensorflow, tf2onnx; print(tensorflow.__version__)"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    ).stdout.strip()
    assert version == tf.__version__


def test_the_builds_say_which_runtime_serves_and_models_show_shows_it(
    built: dict[str, Result], home: Path
) -> None:
    assert "served by onnx: converted to ONNX: it answers as keras does" in built[NAMES[0]].stdout
    assert "served by framework: tensorflow's own runtime" in built[NAMES[1]].stdout
    shown = run_cli("models", "show", NAMES[0], home=home)
    assert shown.code == 0, shown.stderr
    assert "onnx" in shown.stdout and "converted to ONNX" in shown.stdout
    own = run_cli("models", "show", NAMES[1], home=home)
    assert "--runtime framework" in own.stdout


def test_onnxruntime_and_tensorflow_answer_as_the_model(
    files: dict[str, Path], servers: dict[str, ServerProcess]
) -> None:
    rows = [{"tensor": row.tolist()} for row in ROWS]
    answers = {}
    for name, running in servers.items():
        answer = httpx.post(f"{running.url}/v1/models/{name}/predict", json=rows, timeout=30)
        assert answer.status_code == 200, answer.text
        answers[name] = np.array([row["scores"] for row in answer.json()])
    np.testing.assert_allclose(answers[NAMES[1]], expected(files), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(answers[NAMES[0]], answers[NAMES[1]], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_v2_and_kserve_answer_and_another_schema_is_refused_naming_the_field(
    files: dict[str, Path], servers: dict[str, ServerProcess], name: str
) -> None:
    url = servers[name].url
    tensor = {"name": "tensor", "datatype": "FP32", "shape": [3, 4], "data": ROWS.ravel().tolist()}
    v2 = httpx.post(f"{url}/v2/models/{name}/infer", json={"inputs": [tensor]}, timeout=30)
    assert v2.status_code == 200, v2.text
    [scores] = v2.json()["outputs"]
    assert (scores["name"], scores["datatype"], scores["shape"]) == ("scores", "FP32", [3, 3])
    np.testing.assert_allclose(
        np.reshape(scores["data"], (3, 3)), expected(files), rtol=1e-4, atol=1e-5
    )
    instances = {"instances": [{"tensor": row.tolist()} for row in ROWS]}
    kserve = httpx.post(f"{url}/v1/models/{name}:predict", json=instances, timeout=30)
    assert kserve.status_code == 200, kserve.text
    assert len(kserve.json()["predictions"]) == len(ROWS)
    short = httpx.post(f"{url}/v1/models/{name}/predict", json=[{"tensor": [1.0]}], timeout=30)
    assert short.status_code == 422
    assert short.json()["field"] == "tensor"
