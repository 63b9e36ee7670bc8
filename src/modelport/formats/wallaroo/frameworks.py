"""The framework names Wallaroo uses (its spelling), and what modelport does with each."""

from __future__ import annotations

from dataclasses import dataclass

from modelport.errors import ConfigError
from modelport.formats.wallaroo.hugging_face.kinds import KINDS, Kind

SUPPORTED = "supported"
PLANNED = "not yet"


@dataclass(frozen=True)
class Framework:
    name: str
    status: str
    accepts: str
    """What to upload: the file kind modelport reads for this framework."""


_CONVERTED = "converted to ONNX ({}) and served by onnxruntime when it answers alike"
_SCHEMAS = "with input and output schemas"
_INPUT_WORDS = {
    "text": "text",
    "image": "an image: height x width x 3 ints 0-255",
    "audio": "audio: float32 samples",
}


def _pipeline(kind: Kind) -> Framework:
    """A Hugging Face kind: its zipped saved pipeline, and the inputs a request row carries."""
    main = kind.main_input
    given = [f"{main} ({_INPUT_WORDS[kind.input_kind]})"] if kind.input_kind != "keywords" else []
    given += [name for name in kind.required if name != main or kind.input_kind == "keywords"]
    diffusers = kind.library == "diffusers"
    saved = "diffusers save_pretrained" if diffusers else "save_pretrained"
    packages = "diffusers, transformers" if diffusers else "transformers"
    return Framework(
        kind.framework,
        SUPPORTED,
        f"{saved} folder .zip; rows of {', '.join(given)}; its environment gets the "
        f"{packages} and torch installed here (extra: huggingface; torch)",
    )


def _listed(kind: Kind) -> tuple[bool, str]:
    """Transformers pipelines by name, then the diffusers one."""
    return kind.library == "diffusers", kind.name


FRAMEWORKS: tuple[Framework, ...] = (
    Framework("onnx", SUPPORTED, ".onnx file, served by onnxruntime (extra: onnx)"),
    Framework("python", SUPPORTED, ".py python step (process_data or wallaroo_json)"),
    Framework("custom", SUPPORTED, ".zip BYOP folder (mac InferenceBuilder)"),
    Framework(
        "sklearn",
        SUPPORTED,
        "pickle or joblib file of a scikit-learn model, its schemas read off it; "
        + _CONVERTED.format("skl2onnx"),
    ),
    Framework(
        "xgboost",
        SUPPORTED,
        "pickle or joblib file of an XGBoost model, its schemas read off it; "
        + _CONVERTED.format("onnxmltools")
        + " (extra: xgboost)",
    ),
    Framework(
        "tensorflow",
        SUPPORTED,
        f"SavedModel folder zipped (serving_default signature) {_SCHEMAS}; "
        + _CONVERTED.format("tf2onnx")
        + " (extra: tensorflow)",
    ),
    Framework(
        "keras",
        SUPPORTED,
        f".keras or .h5 file, or a SavedModel .zip, {_SCHEMAS}; "
        + _CONVERTED.format("tf2onnx")
        + " (extra: tensorflow)",
    ),
    Framework(
        "pytorch",
        SUPPORTED,
        f"TorchScript .pt/.pth file (torch.jit.save) {_SCHEMAS}; "
        + _CONVERTED.format("torch.onnx")
        + "; its environment gets the torch installed here (extra: torch)",
    ),
    Framework(
        "mlflow",
        SUPPORTED,
        "MLflow model folder or .zip (MLmodel + flavor), served with mlflow.pyfunc in an "
        "environment built from its requirements (convention mlflow)",
    ),
    *(_pipeline(kind) for kind in sorted(KINDS.values(), key=_listed)),
)
BY_NAME = {f.name: f for f in FRAMEWORKS}


def supported_framework(name: str) -> Framework:
    """The framework called ``name`` if modelport serves it; ConfigError otherwise."""
    framework = BY_NAME.get(name.lower().replace("_", "-"))
    if framework is None:
        raise ConfigError(
            f"unknown framework {name!r}",
            hint=f"choose one of: {', '.join(f.name for f in FRAMEWORKS)} "
            "(`modelport frameworks` lists them)",
            field="framework",
        )
    if framework.status != SUPPORTED:
        supported = ", ".join(f.name for f in FRAMEWORKS if f.status == SUPPORTED)
        raise ConfigError(
            f"framework {framework.name!r} is not supported by modelport yet",
            hint=f"upload one of: {supported}; or wrap the model as a BYOP zip (framework custom)",
            field="framework",
        )
    return framework
