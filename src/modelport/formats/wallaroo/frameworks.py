"""The framework names Wallaroo uses (its spelling), and what modelport does with each."""

from __future__ import annotations

from dataclasses import dataclass

from modelport.errors import ConfigError

SUPPORTED = "supported"
PLANNED = "not yet"


@dataclass(frozen=True)
class Framework:
    name: str
    status: str
    accepts: str
    """What to upload: the file kind modelport reads for this framework."""


FRAMEWORKS: tuple[Framework, ...] = (
    Framework("onnx", SUPPORTED, ".onnx file, served by onnxruntime (extra: onnx)"),
    Framework("python", SUPPORTED, ".py python step (process_data or wallaroo_json)"),
    Framework("custom", SUPPORTED, ".zip BYOP folder (mac InferenceBuilder)"),
    Framework("sklearn", SUPPORTED, "pickle or joblib file of a scikit-learn model"),
    Framework("xgboost", SUPPORTED, "pickle or joblib file of an XGBoost model (extra: xgboost)"),
    Framework(
        "tensorflow",
        SUPPORTED,
        "SavedModel folder zipped (serving_default signature) with input and output schemas "
        "(extra: tensorflow)",
    ),
    Framework(
        "keras",
        SUPPORTED,
        ".keras or .h5 file, or a SavedModel .zip, with input and output schemas "
        "(extra: tensorflow)",
    ),
    Framework(
        "pytorch",
        SUPPORTED,
        "TorchScript .pt/.pth file (torch.jit.save) with input and output schemas; its "
        "environment gets the torch installed here (extra: torch)",
    ),
    Framework(
        "mlflow",
        SUPPORTED,
        "MLflow model folder or .zip (MLmodel + flavor), served with mlflow.pyfunc in an "
        "environment built from its requirements (convention mlflow)",
    ),
    *(
        Framework(
            f"hugging-face-{task}",
            SUPPORTED,
            "save_pretrained folder .zip (extra: huggingface; torch)",
        )
        for task in (
            "automatic-speech-recognition",
            "feature-extraction",
            "image-classification",
            "image-segmentation",
            "image-to-text",
            "object-detection",
            "question-answering",
            "sentiment-analysis",
            "summarization",
            "text-classification",
            "text-generation",
            "translation",
            "zero-shot-classification",
            "zero-shot-image-classification",
            "zero-shot-object-detection",
        )
    ),
    Framework(
        "hugging-face-stable-diffusion-text-2-img",
        SUPPORTED,
        "diffusers save_pretrained folder .zip (extra: huggingface; torch)",
    ),
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
