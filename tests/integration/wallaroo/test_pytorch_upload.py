"""A TorchScript upload built by the real command in an environment of its own, whose torch (a CPU
build) comes from the wheel folder pip's configuration names, and served by `modelport serve` on
every generic protocol, by torch itself (--runtime framework) and by onnxruntime on the graph
the build converted it to (the default, auto), with the same answers; and, as a pipeline step, on
Wallaroo's inference route (slow: one torch environment for the module, ~1.5 min the first time,
reused through uv's cache after that)."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pyarrow as pa
import pytest

from modelport.testing import ServerProcess, start_server

from ..cli import Result, run_cli

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.slow

TORCH_WHEELS = Path(os.environ.get("TORCH_WHEELS", "/opt/wheels"))
"""Where the Makefile found the tests' CPU torch; else it came from PyTorch's CPU index."""
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
INPUTS = pa.schema([pa.field("tensor", pa.list_(pa.float32(), 4))])
OUTPUTS = pa.schema(
    [pa.field("probabilities", pa.list_(pa.float32(), 3)), pa.field("label", pa.int64())]
)
ROWS = np.array([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3], [0.0, 0.0, 0.0, 0.0]], np.float32)


class Classifier(torch.nn.Module):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logits = self.linear(x)
        return torch.softmax(logits, dim=1), logits.argmax(dim=1)


def classifier() -> Classifier:
    torch.manual_seed(0)
    return Classifier().eval()


def expected() -> tuple[np.ndarray, list[int]]:
    with torch.inference_mode():
        probabilities, labels = classifier()(torch.from_numpy(ROWS))
    return probabilities.numpy(), labels.tolist()


def b64(schema: pa.Schema) -> str:
    return base64.b64encode(schema.serialize().to_pybytes()).decode()


def package_sources() -> dict[str, str]:
    """pip's find-links naming the folder holding this torch's CPU wheel (what this machine's
    pip.conf says too), else PyPI plus PyTorch's CPU index through modelport's setting."""
    if list(TORCH_WHEELS.glob(f"torch-{torch.__version__}-*.whl")):
        return {"PIP_FIND_LINKS": str(TORCH_WHEELS)}
    return {"MODELPORT_EXTRA_INDEX_URLS": CPU_INDEX}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("torch-files")
    paths = {"scripted": work / "tiny-net.pt", "pickled": work / "pickled.pt"}
    with warnings.catch_warnings():  # torch 2.13 deprecates TorchScript, Wallaroo's format
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.save(torch.jit.script(classifier()), paths["scripted"])
    torch.save(classifier(), paths["pickled"])
    return paths


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("torch-home")


def build(path: Path, home: Path, *options: str) -> Result:
    return run_cli(
        "build",
        str(path),
        "--framework",
        "pytorch",
        "--input-schema",
        b64(INPUTS),
        "--output-schema",
        b64(OUTPUTS),
        *options,
        home=home,
        env=package_sources(),
        timeout=900,
    )


@pytest.fixture(scope="module")
def built(files: dict[str, Path], home: Path) -> Result:
    """Built twice into one environment: served by torch, and converted (the default)."""
    eager = build(files["scripted"], home, "--runtime", "framework", "--name", "tiny-net-torch")
    assert eager.code == 0, eager.stderr + eager.stdout
    result = build(files["scripted"], home)
    assert result.code == 0, result.stderr + result.stdout
    return result


@pytest.fixture(scope="module")
def servers(
    built: Result, home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, ServerProcess]]:
    log_dir = tmp_path_factory.mktemp("torch-logs")
    environ = {"MODELPORT_HOME": str(home), **package_sources()}
    with (
        start_server("tiny-net-torch", log_dir=log_dir, env=environ, ready_timeout=300) as eager,
        start_server("tiny-net", log_dir=log_dir, env=environ, ready_timeout=300) as converted,
    ):
        yield {"tiny-net-torch": eager, "tiny-net": converted}


@pytest.fixture(scope="module")
def server(servers: dict[str, ServerProcess]) -> ServerProcess:
    """The server of the module served by torch in its own environment."""
    return servers["tiny-net-torch"]


def test_the_environment_installs_the_cpu_torch_from_the_configured_wheels(
    built: Result, server: ServerProcess
) -> None:
    assert "package sources:" in built.stdout
    python = Path(f"/proc/{server.process.pid}/cmdline").read_bytes().split(b"\0")[0].decode()
    version = subprocess.run(
        [python, "-c", "import torch; print(torch.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert version == torch.__version__
    assert version.endswith("+cpu")
    assert Path(python).parent.parent != Path(sys.prefix)  # its own environment, not this one


def test_the_build_says_which_runtime_serves_and_models_show_shows_it(
    built: Result, home: Path
) -> None:
    assert "served by onnx: converted to ONNX: it answers as torch does" in built.stdout
    shown = run_cli("models", "show", "tiny-net", home=home)
    assert shown.code == 0, shown.stderr
    assert "runtime" in shown.stdout and "onnx" in shown.stdout
    eager = run_cli("models", "show", "tiny-net-torch", home=home)
    assert "framework" in eager.stdout and "--runtime framework" in eager.stdout


def test_torch_and_the_converted_graph_answer_alike(servers: dict[str, ServerProcess]) -> None:
    rows = [{"tensor": row.tolist()} for row in ROWS]
    answers = {}
    for name, running in servers.items():
        answer = httpx.post(f"{running.url}/v1/models/{name}/predict", json=rows, timeout=30)
        assert answer.status_code == 200, answer.text
        answers[name] = answer.json()
    torch_rows, onnx_rows = answers["tiny-net-torch"], answers["tiny-net"]
    assert [r["label"] for r in onnx_rows] == [r["label"] for r in torch_rows] == expected()[1]
    np.testing.assert_allclose(
        [r["probabilities"] for r in onnx_rows],
        [r["probabilities"] for r in torch_rows],
        rtol=1e-4,
        atol=1e-5,
    )


def test_every_generic_protocol_answers_with_the_modules_outputs(server: ServerProcess) -> None:
    probabilities, labels = expected()
    rows = [{"tensor": row.tolist()} for row in ROWS]
    native = httpx.post(f"{server.url}/v1/models/tiny-net-torch/predict", json=rows, timeout=30)
    assert native.status_code == 200, native.text
    answer = native.json()
    assert [row["label"] for row in answer] == labels
    np.testing.assert_allclose([row["probabilities"] for row in answer], probabilities, rtol=1e-6)

    kserve = httpx.post(
        f"{server.url}/v1/models/tiny-net-torch:predict",
        json={"instances": [{"tensor": row.tolist()} for row in ROWS]},
        timeout=30,
    )
    assert kserve.status_code == 200, kserve.text
    assert [p["label"] for p in kserve.json()["predictions"]] == labels

    v2 = httpx.post(
        f"{server.url}/v2/models/tiny-net-torch/infer",
        json={
            "inputs": [
                {
                    "name": "tensor",
                    "datatype": "FP32",
                    "shape": [3, 4],
                    "data": ROWS.ravel().tolist(),
                }
            ]
        },
        timeout=30,
    )
    assert v2.status_code == 200, v2.text
    outputs = {o["name"]: o for o in v2.json()["outputs"]}
    assert outputs["probabilities"]["datatype"] == "FP32"
    assert outputs["probabilities"]["shape"] == [3, 3]
    assert outputs["label"] == {**outputs["label"], "datatype": "INT64", "data": labels}


def test_a_request_of_another_schema_is_refused_naming_the_field(server: ServerProcess) -> None:
    short = httpx.post(
        f"{server.url}/v1/models/tiny-net-torch/predict", json=[{"tensor": [1.0, 2.0]}], timeout=30
    )
    assert short.status_code == 422
    assert short.json()["field"] == "tensor"
    misnamed = httpx.post(
        f"{server.url}/v1/models/tiny-net-torch/predict", json=[{"features": [1.0] * 4}], timeout=30
    )
    assert misnamed.status_code == 422
    assert misnamed.json()["field"] == "tensor"


def test_a_pickled_module_is_refused_naming_torch_jit_save(
    built: Result, files: dict[str, Path], home: Path
) -> None:
    """Built after the first (the environment is reused): refused by the build step."""
    result = build(files["pickled"], home)
    assert result.code == 1
    assert "saved with torch.save" in result.stderr
    assert "torch.jit.save(torch.jit.script(model)" in result.stderr


def test_the_module_serves_as_a_wallaroo_pipeline_step(
    built: Result, home: Path, tmp_path: Path
) -> None:
    created = run_cli("pipeline", "create", "torch-pipeline", "--step", "tiny-net-torch", home=home)
    assert created.code == 0, created.stderr
    environ = {"MODELPORT_HOME": str(home)}
    with start_server(
        "torch-pipeline", log_dir=tmp_path, env=environ, ready_timeout=300
    ) as running:
        answer = httpx.post(
            f"{running.url}/pipelines/torch-pipeline",
            json=[{"tensor": row.tolist()} for row in ROWS],
            timeout=30,
        )
    assert answer.status_code == 200, answer.text
    assert [row["out"]["label"] for row in answer.json()] == expected()[1]
