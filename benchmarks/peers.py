"""The peers: each installed with uv into its own virtualenv, and how each one is launched."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from payloads import AnswerKind, BodyKind
from spec import Route, ServerSpec
from uv import find_uv_bin

from modelport.builder.environment import compile_bytecode

APPS = Path(__file__).resolve().parent / "peer_apps"
SKLEARN = f"scikit-learn=={metadata.version('scikit-learn')}"  # joblib files need the same one
JOBLIB = "joblib"


@dataclass(frozen=True)
class Peer:
    """A peer framework: its requirements and the distribution whose version is reported."""

    name: str
    requirements: tuple[str, ...]
    version_of: str
    sources: tuple[str, ...] = ()  # uv options naming where packages come from (--find-links)


PEERS: tuple[Peer, ...] = (
    # uvloop<0.22 and fastapi<0.116: MLServer 1.7.1 does not load models with newer ones.
    Peer(
        "mlserver",
        ("mlserver", "mlserver-sklearn", "uvloop<0.22", "fastapi<0.116", SKLEARN, JOBLIB),
        "mlserver",
    ),
    Peer("bentoml", ("bentoml", SKLEARN, JOBLIB), "bentoml"),
    Peer("litserve", ("litserve", SKLEARN, JOBLIB), "litserve"),
    # as FastAPI's documentation installs it: uvicorn with httptools and uvloop, the HTTP stack
    # modelport's server has too (its dependency uvicorn[standard])
    Peer("fastapi", ("fastapi[standard]", SKLEARN, JOBLIB), "fastapi"),
)


def venv_dir(cache: Path, peer: Peer) -> Path:
    """The peer's virtualenv under the cache folder."""
    return cache / "venvs" / peer.name


def install(cache: Path, peer: Peer) -> str:
    """Create (or reuse, if its requirements are unchanged) the peer's venv; return its version."""
    venv = venv_dir(cache, peer)
    stamp = venv / ".bench-requirements"
    wanted = hashlib.sha256("\n".join(peer.sources + peer.requirements).encode()).hexdigest()
    if not (stamp.exists() and stamp.read_text() == wanted):
        uv = find_uv_bin()
        shutil.rmtree(venv, ignore_errors=True)  # made for other requirements: start afresh
        subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
        python = str(venv / "bin" / "python")
        subprocess.run(
            [
                uv,
                "pip",
                "install",
                "--quiet",
                "--python",
                python,
                *peer.sources,
                *peer.requirements,
            ],
            check=True,
        )
        compile_bytecode(Path(python))  # as pip would; imports then never compile again
        stamp.write_text(wanted)
    return installed_version(cache, peer)


def installed_version(cache: Path, peer: Peer) -> str:
    """The version of ``peer.version_of`` inside the peer's venv."""
    python = str(venv_dir(cache, peer) / "bin" / "python")
    code = f"import importlib.metadata as m; print(m.version({peer.version_of!r}))"
    return subprocess.run(
        [python, "-c", code], check=True, capture_output=True, text=True
    ).stdout.strip()


def peer_env(cache: Path, model_path: Path) -> dict[str, str]:
    """Environment for every peer: a scratch HOME, usage reporting off, the model's path."""
    home = cache / "home"
    home.mkdir(parents=True, exist_ok=True)
    return {
        "HOME": str(home),
        "BENCH_MODEL_PATH": str(model_path),
        "BENTOML_HOME": str(home / "bentoml"),
        "BENTOML_DO_NOT_TRACK": "true",
        "DO_NOT_TRACK": "1",
        "LITSERVE_DISABLE_TELEMETRY": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


BATCH_SIZE, BATCH_SECONDS = 64, 0.001
"""The batching peers' settings: up to 64 requests merged, waiting at most 1 ms for company
(modelport's calibration at load sizes its batches in rows, 4,096 for the SVC, released as
soon as no more requests are in flight)."""


def peer_specs(
    cache: Path, model_path: Path, versions: dict[str, str], port: int
) -> list[ServerSpec]:
    """Launch specs of every peer, on consecutive ports from ``port`` (three per peer)."""
    env = peer_env(cache, model_path)
    records = Route("JSON records", "/predict", BodyKind.RECORDS, AnswerKind.RECORDS, key=True)
    rows_object = Route(
        "JSON {rows}", "/predict", BodyKind.ROWS_OBJECT, AnswerKind.SPECIES_LIST, True
    )
    litserve = f"LitServe {versions.get('litserve', '?')}"
    specs = [
        _mlserver(cache, model_path, versions.get("mlserver", "?"), port, env),
        _mlserver(cache, model_path, versions.get("mlserver", "?"), port + 21, env, batching=True),
        ServerSpec(
            "bentoml",
            f"BentoML {versions.get('bentoml', '?')}",
            (
                *_bin(cache, "bentoml", "bentoml", "serve", "bentoml_service:IrisSVC"),
                *_at(port + 3),
            ),
            port + 3,
            (Route("JSON {rows}", "/predict", BodyKind.ROWS_OBJECT, AnswerKind.RECORDS, True),),
            APPS,
            env,
        ),
        ServerSpec(
            "litserve",
            litserve,
            _bin(cache, "litserve", "python", "litserve_app.py", str(port + 6)),
            port + 6,
            (rows_object,),
            APPS,
            env,
        ),
        ServerSpec(
            "litserve-batch",
            f"{litserve}, batching (max_batch_size {BATCH_SIZE}, batch_timeout {BATCH_SECONDS})",
            _bin(
                cache,
                "litserve",
                "python",
                "litserve_app.py",
                str(port + 24),
                str(BATCH_SIZE),
                str(BATCH_SECONDS),
            ),
            port + 24,
            (rows_object,),
            APPS,
            env,
            notes=f"batching on: max_batch_size={BATCH_SIZE}, batch_timeout={BATCH_SECONDS}",
        ),
    ]
    for offset, (name, app, how) in enumerate(
        (("fastapi", "app", "def"), ("fastapi-async", "async_app", "async def")), start=3
    ):
        specs.append(
            ServerSpec(
                name,
                f"FastAPI {versions.get('fastapi', '?')}, `{how}` endpoint",
                (
                    *_bin(cache, "fastapi", "uvicorn", f"fastapi_app:{app}"),
                    *_at(port + 3 * offset),
                    "--log-level",
                    "warning",
                ),
                port + 3 * offset,
                (records,),
                APPS,
                env,
            )
        )
    return specs


def _mlserver(
    cache: Path,
    model_path: Path,
    version: str,
    port: int,
    env: dict[str, str],
    *,
    batching: bool = False,
) -> ServerSpec:
    """MLServer with its sklearn runtime: a settings folder written under the cache; with
    ``batching``, its adaptive batching on (``max_batch_size``, ``max_batch_time``)."""
    name = "mlserver-batch" if batching else "mlserver"
    folder = cache / f"{name}-model"
    folder.mkdir(parents=True, exist_ok=True)
    settings = {"host": "127.0.0.1", "http_port": port, "grpc_port": port + 1}
    settings["metrics_port"] = port + 2
    (folder / "settings.json").write_text(json.dumps(settings))
    model_settings: dict[str, object] = {
        "name": "iris-svc",
        "implementation": "mlserver_sklearn.SKLearnModel",
        "parameters": {"uri": str(model_path), "version": "v1"},
    }
    label = f"MLServer {version} + mlserver-sklearn (V2)"
    notes = "ports set in settings.json; everything else default (parallel_workers=1)"
    if batching:
        model_settings |= {"max_batch_size": BATCH_SIZE, "max_batch_time": BATCH_SECONDS}
        label += (
            f", adaptive batching (max_batch_size {BATCH_SIZE}, max_batch_time {BATCH_SECONDS})"
        )
        notes = (
            f"adaptive batching on: max_batch_size={BATCH_SIZE}, max_batch_time={BATCH_SECONDS} "
            "in model-settings.json; ports in settings.json; everything else default"
        )
    (folder / "model-settings.json").write_text(json.dumps(model_settings))
    return ServerSpec(
        name,
        label,
        _bin(cache, "mlserver", "mlserver", "start", str(folder)),
        port,
        (
            Route(
                "V2 [N,4] tensor",
                "/v2/models/iris-svc/infer",
                BodyKind.V2_MATRIX,
                AnswerKind.V2,
                True,
            ),
        ),
        folder,
        env,
        notes=notes,
        grpc=(port + 1, "matrix"),
    )


def _at(port: int) -> tuple[str, ...]:
    return ("--host", "127.0.0.1", "--port", str(port))


def _bin(cache: Path, peer: str, program: str, *args: str) -> tuple[str, ...]:
    return (str(cache / "venvs" / peer / "bin" / program), *args)


__all__ = ["PEERS", "Peer", "install", "peer_specs"]
