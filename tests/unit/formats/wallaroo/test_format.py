"""Detecting Wallaroo uploads without running them, and the framework list."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from modelport.errors import ConfigError
from modelport.formats.wallaroo.format import WallarooFormat
from modelport.formats.wallaroo.frameworks import FRAMEWORKS, supported_framework

FORMAT = WallarooFormat()


def test_a_python_step_is_detected_by_its_entry_function(tmp_path: Path) -> None:
    step = tmp_path / "step.py"
    step.write_text("async def process_data(input_data):\n    return input_data\n")
    other = tmp_path / "other.py"
    other.write_text("def main():\n    pass\n")
    assert FORMAT.detect(step) == 0.9
    assert FORMAT.detect(other) == 0.0


def test_a_byop_zip_is_detected_and_another_zip_is_not(tmp_path: Path) -> None:
    byop = tmp_path / "byop.zip"
    with zipfile.ZipFile(byop, "w") as archive:
        archive.writestr("model/main.py", "from mac.inference.creation import InferenceBuilder\n")
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("odahuflow.model.yaml", "binaries: {}\n")
    assert FORMAT.detect(byop) == 0.8
    assert FORMAT.detect(other) == 0.0


def test_a_zipped_python_step_is_detected_by_its_entry_function(tmp_path: Path) -> None:
    step = tmp_path / "step.zip"
    with zipfile.ZipFile(step, "w") as archive:
        archive.writestr("step/helpers.py", "def scale(x):\n    return x\n")
        archive.writestr("step/main.py", "def process_data(input_data):\n    return input_data\n")
        archive.writestr("step/requirements.txt", "scikit-learn\n")
    nested = tmp_path / "nested.zip"
    with zipfile.ZipFile(nested, "w") as archive:  # only the folder's top level is read
        archive.writestr("step/lib/main.py", "def process_data(input_data):\n    pass\n")
    assert FORMAT.detect(step) == 0.8
    assert FORMAT.detect(nested) == 0.0


@pytest.mark.parametrize(("suffix", "score"), [(".onnx", 0.9), (".joblib", 0.5), (".txt", 0.0)])
def test_framework_files_are_detected_by_suffix(tmp_path: Path, suffix: str, score: float) -> None:
    path = tmp_path / f"model{suffix}"
    path.write_bytes(b"\0")
    assert FORMAT.detect(path) == score
    assert FORMAT.detect(tmp_path) == 0.0


def test_extra_folders_do_not_apply_to_an_upload(tmp_path: Path) -> None:
    path = tmp_path / "model.onnx"
    path.write_bytes(b"\0")
    with pytest.raises(ConfigError, match="extra folders do not apply"):
        FORMAT.layout(path, extra_folders=("data",))


def test_every_framework_name_is_spelled_as_wallaroo_spells_it() -> None:
    names = [f.name for f in FRAMEWORKS]
    assert len(names) == len(set(names))
    assert all(name == name.lower() and "_" not in name for name in names)
    assert supported_framework("ONNX").name == "onnx"
    with pytest.raises(ConfigError, match="unknown framework 'caffe'"):
        supported_framework("caffe")


def test_every_wallaroo_framework_is_supported_and_says_what_it_accepts() -> None:
    accepts = {f.name: f.accepts for f in FRAMEWORKS if f.status == "supported"}
    # onnx, tensorflow, python, keras, sklearn, pytorch, xgboost, custom, mlflow, and the 16
    # hugging-face-* pipelines the seed documents (its SDK's list omits speech recognition)
    assert len(accepts) == len(FRAMEWORKS) == 25
    for name, converter in [
        ("sklearn", "skl2onnx"),
        ("xgboost", "onnxmltools"),
        ("pytorch", "torch.onnx"),
        ("keras", "tf2onnx"),
        ("tensorflow", "tf2onnx"),
    ]:
        assert f"converted to ONNX ({converter}) and served by onnxruntime" in accepts[name]
    speech = accepts["hugging-face-automatic-speech-recognition"]
    assert "rows of inputs (audio: float32 samples)" in speech
    assert "rows of question, context;" in accepts["hugging-face-question-answering"]
    assert "rows of images (an image" in accepts["hugging-face-zero-shot-object-detection"]
