"""MLServer with a runtime for each framework the frameworks benchmark compares against: its own
uv venv (under ``.cache/venvs``), and the settings folder each of its models is served from."""

from __future__ import annotations

import json
import os
from importlib import metadata
from pathlib import Path

from peers import Peer, _bin

TORCH_VERSION = metadata.version("torch").split("+")[0]
TORCH_WHEELS = Path(os.environ.get("TORCH_WHEELS", "/opt/wheels"))


def torch_sources() -> tuple[str, ...]:
    """Where the peer's torch comes from, as the Makefile chooses: a local folder holding the CPU
    wheel, else PyTorch's CPU index; never PyPI's multi-GB CUDA build (uv reads no
    ``PIP_FIND_LINKS``, so the folder is named here)."""
    if list(TORCH_WHEELS.glob(f"torch-{TORCH_VERSION}+cpu-*.whl")):
        return ("--find-links", str(TORCH_WHEELS))
    return ("--extra-index-url", "https://download.pytorch.org/whl/cpu")


MLSERVER = Peer(
    "mlserver-frameworks",
    (
        "mlserver",
        "mlserver-sklearn",
        "mlserver-xgboost",
        "mlserver-mlflow",
        "mlserver-huggingface",
        # MLServer 1.7.1 does not load models with newer ones (BENCHMARKING.md)
        "uvloop<0.22",
        "fastapi<0.116",
        # the models' files need the versions they were saved with
        f"scikit-learn=={metadata.version('scikit-learn')}",
        f"xgboost=={metadata.version('xgboost')}",
        f"torch=={TORCH_VERSION}+cpu",
        "joblib",
        # mlserver-huggingface 1.7.1 imports transformers' Conversation (gone in 4.42), and
        # optimum 1.27 imports a torch.onnx helper torch 2.13 no longer has
        "transformers<4.42",
        "optimum<1.27",
    ),
    "mlserver",
    torch_sources(),
)
RUNTIMES = {
    "sklearn": "mlserver_sklearn.SKLearnModel",
    "xgboost": "mlserver_xgboost.XGBoostModel",
    "mlflow": "mlserver_mlflow.MLflowRuntime",
    "huggingface": "mlserver_huggingface.HuggingFaceRuntime",
}
"""MLServer's runtime class for each kind of model it serves here."""


def python(cache: Path) -> Path:
    """The peer venv's interpreter (it also saves the MLflow model: mlflow lives there)."""
    return Path(_bin(cache, MLSERVER.name, "python")[0])


def command(cache: Path, folder: Path) -> tuple[str, ...]:
    """``mlserver start FOLDER`` with the peer venv's MLServer."""
    return _bin(cache, MLSERVER.name, "mlserver", "start", str(folder))


def write_settings(
    folder: Path, port: int, name: str, runtime: str, uri: Path, extra: dict[str, object]
) -> Path:
    """A settings folder serving model ``name`` with ``runtime`` (a key of :data:`RUNTIMES`) from
    ``uri``, on ``port`` (gRPC and metrics on the two after it); ``extra`` joins the model's
    ``parameters.extra``. Everything else stays MLServer's default (one inference worker)."""
    folder.mkdir(parents=True, exist_ok=True)
    settings = {"host": "127.0.0.1", "http_port": port, "grpc_port": port + 1}
    settings["metrics_port"] = port + 2
    (folder / "settings.json").write_text(json.dumps(settings))
    parameters: dict[str, object] = {"uri": str(uri), "version": "v1"}
    if extra:
        parameters["extra"] = extra
    model = {"name": name, "implementation": RUNTIMES[runtime], "parameters": parameters}
    (folder / "model-settings.json").write_text(json.dumps(model))
    return folder
