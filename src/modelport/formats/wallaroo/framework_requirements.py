"""What the environment of an uploaded framework file gets, read from the file without loading it.

A framework file comes alone, with no requirements.txt, so the environment modelport builds for it
is told here: the framework at the version installed where the build runs (the one the model was
most likely saved with: a scikit-learn pickle loads reliably only in the version that wrote it,
and a ``torch`` ``+cpu`` build stays one), else the newest the configured indexes hold; and what
converting it to ONNX and serving the graph need (``native_runtime``).
"""

from __future__ import annotations

import importlib.metadata
import zipfile
from pathlib import Path

from modelport.formats.wallaroo.keras_model import KERAS_SUFFIXES, is_saved_model_zip
from modelport.formats.wallaroo.torch_model import SUFFIXES as TORCH_SUFFIXES

PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib")
TF_CONVERSION = ("tf2onnx>=1.17", "onnxruntime")
"""What converting a Keras or TensorFlow model to ONNX and serving the graph need (tf2onnx 1.16
pins protobuf 3.20, which TensorFlow 2.21 refuses, and calls ``np.cast``, which numpy 2 dropped)."""
_CHUNK = 1 << 20


def upload_requirements(upload: Path) -> tuple[str, ...] | None:
    """The requirements of the uploaded file ``upload`` (None when it is not a framework file:
    a python step, or a zip whose requirements.txt says)."""
    if not upload.is_file():
        return None
    suffix = upload.suffix.lower()
    if suffix in TORCH_SUFFIXES:
        return (installed_pin("torch"), "onnx", "onnxruntime")
    if suffix == ".onnx":
        return ("onnxruntime",)
    if suffix in KERAS_SUFFIXES:
        return (tensorflow_pin(), installed_pin("keras"), *TF_CONVERSION)
    if suffix == ".zip" and zipfile.is_zipfile(upload) and is_saved_model_zip(upload):
        return (tensorflow_pin(), *TF_CONVERSION)
    if suffix in PICKLE_SUFFIXES:
        found: tuple[str, ...] = (
            installed_pin("scikit-learn"),
            "joblib",
            "skl2onnx",
            "onnxruntime",
        )
        if _mentions(upload, b"xgboost"):
            found += (installed_pin("xgboost"), "onnxmltools")
        return found
    return None


def tensorflow_pin() -> str:
    """The TensorFlow installed here (``tensorflow-cpu`` or ``tensorflow``), else the CPU build."""
    for distribution in ("tensorflow-cpu", "tensorflow"):
        pinned = installed_pin(distribution)
        if "==" in pinned:
            return pinned
    return "tensorflow-cpu"


def installed_pin(distribution: str) -> str:
    """``name==version`` of the distribution installed here, else its bare name."""
    try:
        return f"{distribution}=={importlib.metadata.version(distribution)}"
    except importlib.metadata.PackageNotFoundError:
        return distribution


def _mentions(path: Path, word: bytes) -> bool:
    """Whether the file's bytes hold ``word`` (a pickle names the modules of its classes; a
    compressed joblib file hides them, and its model then needs a requirements.txt zip)."""
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            if word in tail + chunk:
                return True
            tail = chunk[-len(word) :]
    return False
