"""A Hugging Face image classifier built by the real command with the default env mode: the zipped
pipeline carries no requirements.txt, so its environment gets the transformers, tokenizers and
torch installed here (torch a CPU build from the configured wheel folder or index) and pillow
for its image processor; `modelport serve` serves it from there (slow: one environment with
torch, some 2 minutes the first time, through uv's cache).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from modelport.testing import ServerProcess, start_server

from ..cli import Result, run_cli
from .hugging_face_models import image_classifier, saved_zip

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

pytestmark = pytest.mark.slow

NAME = "tiny-vit"
TORCH_WHEELS = Path(os.environ.get("TORCH_WHEELS", "/opt/wheels"))
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
IMAGE = np.random.default_rng(4).integers(0, 256, (100, 100, 3)).tolist()


def package_sources() -> dict[str, str]:
    """The wheel folder holding this torch's CPU build, else PyTorch's CPU index."""
    if list(TORCH_WHEELS.glob(f"torch-{torch.__version__}-*.whl")):
        return {"PIP_FIND_LINKS": str(TORCH_WHEELS)}
    return {"MODELPORT_EXTRA_INDEX_URLS": CPU_INDEX}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hf-env-home")


@pytest.fixture(scope="module")
def built(home: Path, tmp_path_factory: pytest.TempPathFactory) -> Result:
    work = tmp_path_factory.mktemp("hf-env-files")
    torch.manual_seed(0)
    archive = saved_zip(image_classifier(work), work / NAME)
    framework = "hugging-face-image-classification"
    result = run_cli(
        "build", str(archive), "--framework", framework, "--name", NAME,
        home=home, env={**package_sources(), **OFFLINE}, timeout=900,
    )  # fmt: skip
    assert result.code == 0, result.stderr + result.stdout
    return result


@pytest.fixture(scope="module")
def server(
    built: Result, home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    environ = {"MODELPORT_HOME": str(home), **package_sources(), **OFFLINE}
    log_dir = tmp_path_factory.mktemp("hf-env-logs")
    with start_server(NAME, log_dir=log_dir, env=environ, ready_timeout=300) as running:
        yield running


def test_the_environment_has_this_transformers_and_cpu_torch_and_pillow(
    built: Result, server: ServerProcess
) -> None:
    assert "requirements from the project's config" in built.stdout
    python = Path(f"/proc/{server.process.pid}/cmdline").read_bytes().split(b"\0")[0].decode()
    assert Path(python).parent.parent != Path(sys.prefix)  # its own environment, not this one
    found = subprocess.run(
        [python, "-c", "import PIL, torch, transformers; print(transformers.__version__, "
         "torch.__version__)"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert found == [transformers.__version__, torch.__version__]


def test_an_image_is_classified_and_a_misnamed_input_is_refused(server: ServerProcess) -> None:
    url = f"{server.url}/v1/models/{NAME}/predict"
    answer = httpx.post(url, json=[{"inputs": IMAGE, "top_k": 2}], timeout=60)
    assert answer.status_code == 200, answer.text
    [row] = answer.json()
    assert sorted(row["label"]) == ["cat", "dog"]
    assert sum(row["score"]) == pytest.approx(1)
    misnamed = httpx.post(url, json=[{"image": IMAGE, "top_k": 2}], timeout=60)
    assert misnamed.status_code == 422
    assert misnamed.json()["field"] == "inputs"
