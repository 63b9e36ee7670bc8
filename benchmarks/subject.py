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
PROJECTS = {"iris-svc": BENCH / "models" / "iris_svc"}
EXAMPLE = ROOT / "examples" / "iris"
"""The DataFrame model ``make serve`` serves, served as it does: ``--env inherit``."""
MODELPORT = Path(sys.executable).parent / "modelport"
GRPC_OFFSET = 10
"""The subject's gRPC port is its HTTP port plus this."""


def cores() -> int:
    """The cores this process may use: what ``modelport serve`` makes its default workers of."""
    return len(os.sched_getaffinity(0))


def build(home: Path) -> None:
    """Build and register the SVC into a scratch ``MODELPORT_HOME`` (a fresh one), in its own
    environment as ``modelport build`` makes by default (without pandas: it takes numpy
    arrays), which ``modelport serve`` then runs the server in."""
    home.mkdir(parents=True, exist_ok=True)
    for name, project in PROJECTS.items():
        command = [str(MODELPORT), "build", str(project), "--name", name]
        done = subprocess.run(
            command, env={**os.environ, "MODELPORT_HOME": str(home)}, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise SystemExit(f"modelport build {project} failed:\n{done.stdout}\n{done.stderr}")


def _svc_routes() -> tuple[Route, ...]:
    return (
        Route(
            "native JSON", "/v1/models/iris-svc/predict", BodyKind.RECORDS, AnswerKind.RECORDS, True
        ),
        Route("native Arrow", "/v1/models/iris-svc/predict", BodyKind.ARROW, AnswerKind.ARROW),
        Route(
            "V2 (tensor per column)",
            "/v2/models/iris-svc/infer",
            BodyKind.V2_COLUMNS,
            AnswerKind.V2,
        ),
    )


def modelport_specs(home: Path, port: int) -> list[ServerSpec]:
    """The iris SVC on all three routes at its defaults (a worker per core, adaptive batching
    as its calibration decides, gRPC on too); the same with ``--workers 1`` (compared in turns
    only); and the DataFrame example on native JSON, served as ``make serve`` serves it."""
    version = metadata.version("modelport")
    env = {"MODELPORT_HOME": str(home)}
    serve = (str(MODELPORT), "serve")
    svc = ServerSpec(
        "modelport",
        f"modelport {version}, iris-svc (numpy batch), default workers ({cores()} here)",
        (*serve, "iris-svc", "--port", str(port), "--grpc-port", str(port + GRPC_OFFSET)),
        port,
        _svc_routes(),
        ROOT,
        env,
        modelport=True,
        notes=f"defaults: one worker per core ({cores()}), batching as calibrated at load",
        grpc=(port + GRPC_OFFSET, "columns"),
    )
    one_worker = ServerSpec(
        "modelport-1w",
        f"modelport {version}, iris-svc (numpy batch), --workers 1",
        (*serve, "iris-svc", "--port", str(port + 2), "--workers", "1"),
        port + 2,
        _svc_routes()[:1],
        ROOT,
        env,
        modelport=True,
        compared_only=True,
    )
    example = ServerSpec(
        "modelport-iris",
        f"modelport {version}, examples/iris (DataFrame, --env inherit)",
        (*serve, str(EXAMPLE), "--env", "inherit", "--port", str(port + 1)),
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
    return [svc, one_worker, example]
