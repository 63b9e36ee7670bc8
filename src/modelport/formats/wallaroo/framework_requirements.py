"""What the environment of an uploaded framework file gets, read from the file without loading it.

A framework file comes alone, with no requirements.txt, so the environment modelport builds for it
is told here: the framework at the version installed where the build runs (the one the model was
most likely saved with: a scikit-learn pickle loads reliably only in the version that wrote it,
and a ``torch`` ``+cpu`` build stays one), else the newest the configured indexes hold; and what
converting it to ONNX and serving the graph need (``native_runtime``). A zipped Hugging Face
pipeline gets what its files say it needs, unless the zip carries a requirements.txt.
"""

from __future__ import annotations

import importlib.metadata
import zipfile
from pathlib import Path

from modelport.formats.wallaroo.hugging_face.signature import CONFIG, MODEL_INDEX
from modelport.formats.wallaroo.keras_model import KERAS_SUFFIXES, is_saved_model_zip
from modelport.formats.wallaroo.torch_model import SUFFIXES as TORCH_SUFFIXES

PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib")
IMAGE_PROCESSOR = "preprocessor_config.json"
REQUIREMENTS = "requirements.txt"
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
    if suffix in KERAS_SUFFIXES or (
        suffix == ".zip" and zipfile.is_zipfile(upload) and is_saved_model_zip(upload)
    ):
        # Keras pinned for a SavedModel too (TensorFlow depends on it): one environment for both.
        return (tensorflow_pin(), installed_pin("keras"), *TF_CONVERSION)
    if suffix == ".zip" and zipfile.is_zipfile(upload) and is_saved_pipeline_zip(upload):
        return pipeline_requirements(upload)
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


def is_saved_pipeline_zip(path: Path) -> bool:
    """A zip of the folder a Hugging Face pipeline's ``save_pretrained`` wrote: a config.json
    (a diffusers pipeline's model_index.json) in its one top folder, and no Python module."""
    tops = _top_files(path)
    return bool({CONFIG, MODEL_INDEX} & tops) and not any(name.endswith(".py") for name in tops)


def pipeline_requirements(upload: Path) -> tuple[str, ...] | None:
    """What serving a saved pipeline needs, unless its zip carries a requirements.txt: the
    transformers, tokenizers and torch installed here (a ``+cpu`` torch stays one: the configured
    package indexes or wheel folders hold it), pillow for an image processor, sentencepiece for
    a SentencePiece tokenizer, diffusers for a diffusers pipeline."""
    tops = _top_files(upload)
    if REQUIREMENTS in tops:
        return None
    found = tuple(installed_pin(name) for name in ("transformers", "tokenizers", "torch"))
    if MODEL_INDEX in tops:
        found += (installed_pin("diffusers"), "pillow")
    elif IMAGE_PROCESSOR in tops and b"image_processor_type" in _top_file(upload, IMAGE_PROCESSOR):
        found += ("pillow",)
    if any(name.endswith((".spm", ".model")) for name in tops):
        found += ("sentencepiece",)
    return found


def _top_files(path: Path) -> set[str]:
    """The names of the files in a zip's top folder."""
    with zipfile.ZipFile(path) as archive:
        parts = [name.strip("/").split("/") for name in archive.namelist()]
    return {split[1] for split in parts if len(split) == 2}


def _top_file(path: Path, name: str) -> bytes:
    """A small file of the zip's top folder (read up to 1 MiB)."""
    with zipfile.ZipFile(path) as archive:
        member = next(n for n in archive.namelist() if n.strip("/").split("/")[1:] == [name])
        with archive.open(member) as handle:
            return handle.read(_CHUNK)


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
