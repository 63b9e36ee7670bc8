"""The README's "Framework models, family by family", run as written in a fresh folder and home:
each ``python`` block is run as a script (the MLflow one by a Python with mlflow installed, as
its user would: the MLflow tests' tool environment), each ``modelport`` line by the command, each
``serve`` line serves (on a free port instead of 8080) the ``curl`` lines after it, sent by curl
itself; each answer has the columns, list lengths and labels of the answer its comment shows, and
its numbers are within 1e-3 of the comment's. Nothing is downloaded but packages: the MLflow
model's environment is built from its requirements, as a user's is."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from modelport.testing import ServerProcess, start_server

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "Framework models, family by family"
FAMILIES = (
    "scikit-learn",
    "XGBoost",
    "PyTorch",
    "Keras and TensorFlow",
    "ONNX",
    "MLflow",
    "Hugging Face",
)
"""The subsections whose lines run here: every family's."""

pytest.importorskip("torch")
pytest.importorskip("keras")
pytest.importorskip("xgboost")
pytest.importorskip("skl2onnx")
if importlib.util.find_spec("transformers") is None:
    # looked for, not imported: transformers imported in this process before the Hugging Face
    # tests set USE_TF=0 would look for TensorFlow classes too, and fail on Keras 3
    pytest.skip("transformers is not installed", allow_module_level=True)
pytestmark = pytest.mark.slow  # a Keras model's build imports TensorFlow


def python_for(family: str) -> str:
    """The Python a family's example runs with: this one, which has every framework modelport
    installs; for MLflow, one with mlflow (modelport's own never imports it)."""
    if family == "MLflow":
        from ..integration.mlflow.tool import tool_environment

        return str(tool_environment())
    return sys.executable


def subsections() -> dict[str, str]:
    body = README.read_text().split(f"\n## {SECTION}\n", 1)[1].split("\n## ", 1)[0]
    parts = re.split(r"^### (.+)$", body, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def blocks(text: str) -> Iterator[tuple[str, str]]:
    """(language, code) of each fenced block, in order."""
    yield from re.findall(r"^```(\w*)\n(.*?)^```$", text, re.S | re.M)


def same_shape(found: Any, shown: Any, where: str = "answer") -> None:
    """``found`` is what the README ``shown``: the same keys, lengths, strings and integers, and
    floats within 1e-3."""
    if isinstance(shown, dict):
        assert isinstance(found, dict) and list(found) == list(shown), where
        for key in shown:
            same_shape(found[key], shown[key], f"{where}.{key}")
    elif isinstance(shown, list):
        assert isinstance(found, list) and len(found) == len(shown), where
        for index, (got, want) in enumerate(zip(found, shown, strict=True)):
            same_shape(got, want, f"{where}[{index}]")
    elif isinstance(shown, float):
        assert found == pytest.approx(shown, abs=1e-3), where
    else:
        assert found == shown, where


def test_the_section_has_a_worked_example_per_family() -> None:
    found = subsections()
    assert set(FAMILIES) == set(found)
    for family in FAMILIES:
        languages = [language for language, _ in blocks(found[family])]
        assert languages == ["python", ""], family


def test_every_family_builds_serves_and_answers_as_the_readme_says(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "MODELPORT_HOME": str(tmp_path / "home"),
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "HF_HUB_OFFLINE": "1",  # the pipeline is made here: nothing to fetch
        "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
        "COLUMNS": "200",
    }
    env.pop("MODELPORT_REGISTRY_URI", None)
    sections = subsections()
    with ExitStack() as servers:
        server: ServerProcess | None = None
        for family in FAMILIES:
            for language, code in blocks(sections[family]):
                if language == "python":
                    script = tmp_path / "example.py"
                    script.write_text(code)
                    ran = subprocess.run(
                        [python_for(family), str(script)], cwd=tmp_path, env=env,
                        capture_output=True, text=True, timeout=300, check=False,
                    )  # fmt: skip
                    assert ran.returncode == 0, f"{family}:\n{ran.stderr}"
                    continue
                lines = code.splitlines()
                for index, line in enumerate(lines):
                    words = shlex.split(line.partition("#")[0]) if not line.startswith("#") else []
                    if words[:2] == ["modelport", "serve"]:
                        server = servers.enter_context(
                            start_server(words[2], log_dir=tmp_path, env=env, ready_timeout=300)
                        )
                    elif words[:1] == ["modelport"]:
                        done = subprocess.run(
                            [sys.executable, "-m", "modelport", *words[1:]], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=600, check=False,
                        )  # fmt: skip
                        assert done.returncode == 0, f"{line}\n{done.stdout}{done.stderr}"
                    elif words[:1] == ["curl"]:
                        assert server is not None, line
                        sent = [w.replace("http://localhost:8080", server.url) for w in words]
                        sent = [w.replace("localhost:8080", server.url) for w in sent]
                        asked = subprocess.run(
                            sent, capture_output=True, text=True, timeout=60, check=True
                        )
                        shown = json.loads(lines[index + 1].removeprefix("# "))
                        same_shape(json.loads(asked.stdout), shown, f"{family}: {asked.stdout}")
