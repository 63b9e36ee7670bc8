"""modelport itself: build and register the bench models once, then how to serve each."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from payloads import AnswerKind, BodyKind
from spec import Route, ServerSpec

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PROJECTS = {"iris-svc": BENCH / "models" / "iris_svc", "iris": ROOT / "examples" / "iris"}
MODELPORT = Path(sys.executable).parent / "modelport"


def build(home: Path) -> None:
    """Build and register both bench models into a scratch ``MODELPORT_HOME`` (a fresh one),
    each in its own environment as ``modelport build`` makes by default (the SVC's without
    pandas: it takes numpy arrays), which ``modelport serve`` then runs the server in."""
    home.mkdir(parents=True, exist_ok=True)
    for name, project in PROJECTS.items():
        command = [str(MODELPORT), "build", str(project), "--name", name]
        done = subprocess.run(
            command, env={**os.environ, "MODELPORT_HOME": str(home)}, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise SystemExit(f"modelport build {project} failed:\n{done.stdout}\n{done.stderr}")


def modelport_specs(home: Path, port: int) -> list[ServerSpec]:
    """The iris SVC on all three routes, and the DataFrame example on native JSON."""
    version = metadata.version("modelport")
    env = {"MODELPORT_HOME": str(home)}
    svc = ServerSpec(
        "modelport",
        f"modelport {version}, iris-svc (numpy batch)",
        (str(MODELPORT), "serve", "iris-svc", "--port", str(port)),
        port,
        (
            Route(
                "native JSON",
                "/v1/models/iris-svc/predict",
                BodyKind.RECORDS,
                AnswerKind.RECORDS,
                True,
            ),
            Route("native Arrow", "/v1/models/iris-svc/predict", BodyKind.ARROW, AnswerKind.ARROW),
            Route(
                "V2 (tensor per column)",
                "/v2/models/iris-svc/infer",
                BodyKind.V2_COLUMNS,
                AnswerKind.V2,
            ),
        ),
        ROOT,
        env,
        modelport=True,
    )
    example = ServerSpec(
        "modelport-iris",
        f"modelport {version}, examples/iris (DataFrame)",
        (str(MODELPORT), "serve", "iris", "--port", str(port + 1)),
        port + 1,
        (
            Route(
                "native JSON", "/v1/models/iris/predict", BodyKind.RECORDS, AnswerKind.RECORDS, True
            ),
        ),
        ROOT,
        env,
        modelport=True,
    )
    return [svc, example]
