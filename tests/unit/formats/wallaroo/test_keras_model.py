"""Keras (.keras, .h5) and TensorFlow SavedModel zip uploads, run in-process: built with their
schemas, converted to ONNX (tf2onnx) and served by onnxruntime with the model's own answers, or by
TensorFlow (--runtime framework, or where the conversion fails, which --runtime onnx refuses)."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from modelport.batch import Batch
from modelport.errors import ConfigError
from modelport.formats.base import BuildOutput
from modelport.formats.wallaroo import keras_model, native_runtime
from modelport.formats.wallaroo.format import WallarooFormat
from modelport.formats.wallaroo.framework_requirements import TF_CONVERSION, upload_requirements
from modelport.formats.wallaroo.options import upload_options
from modelport.schema import Signature
from modelport.servable import Servable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

pytestmark = pytest.mark.filterwarnings(  # Keras' own saving, with numpy 2
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)
FORMAT = WallarooFormat()
INPUTS = pa.schema([pa.field("tensor", pa.list_(pa.float32(), 4))])
OUTPUTS = pa.schema([pa.field("scores", pa.list_(pa.float32(), 3))])
ROWS = np.random.default_rng(3).standard_normal((5, 4)).astype(np.float32)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("keras")
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(3)]
    )
    model.save(work / "small.keras")
    model.save(work / "small.h5")
    folder = work / "small_saved"
    model.export(folder, verbose=False)
    archive = work / "small_saved.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(folder.rglob("*")):
            zipped.write(path, path.relative_to(work).as_posix())
    expected = model(ROWS, training=False).numpy()
    return {"keras": work / "small.keras", "h5": work / "small.h5", "zip": archive, "out": expected}


def build_step(path: Path, out: Path, **options: Any) -> BuildOutput:
    out.mkdir()
    layout = FORMAT.layout(path)
    given = upload_options(input_schema=INPUTS, output_schema=OUTPUTS, **options)
    return FORMAT.build_step(layout, out, options=given)


def answers(output: BuildOutput, root: Path, out: Path) -> np.ndarray:
    """The built model's answers to ROWS, from the runtime the build chose: the converted graph
    (written to ``out``) or TensorFlow on the upload (under ``root``)."""
    signature = Signature.from_dict(output.signature)
    servable: Servable
    if output.metadata["runtime"] == "onnx":
        servable = native_runtime.converted_servable(
            out, name="m", signature=signature, metadata=output.metadata
        )
    else:
        saved = output.metadata["saved_model"]
        path = root if saved else root / output.entry_point
        servable = keras_model.KerasServable(
            path, name="m", signature=signature, metadata=output.metadata
        )
    servable.load()
    table = servable.predict(Batch.from_columns({"tensor": ROWS}))
    return np.stack(table["scores"].to_pylist())


@pytest.mark.parametrize("kind", ["keras", "h5"])
def test_a_keras_file_is_converted_to_onnx_and_answers_as_the_model(
    files: dict[str, Any], tmp_path: Path, kind: str
) -> None:
    output = build_step(files[kind], tmp_path / "out", framework="keras")
    assert output.metadata["framework"] == "keras"
    assert output.metadata["runtime"] == "onnx"
    assert output.notes == [
        "served by onnx: converted to ONNX: it answers as keras does on 16 generated rows "
        "(rtol 0.0001, atol 1e-05)"
    ]
    assert output.files == {"src/converted.onnx": str(tmp_path / "out" / "converted.onnx")}
    assert FORMAT.detect(files[kind]) == 0.9
    found = answers(output, files[kind].parent, tmp_path / "out")
    np.testing.assert_allclose(found, files["out"], rtol=1e-4, atol=1e-5)


def test_runtime_framework_serves_the_keras_file_with_tensorflow(
    files: dict[str, Any], tmp_path: Path
) -> None:
    output = build_step(files["keras"], tmp_path / "out", framework="keras", runtime="framework")
    assert output.metadata["runtime"] == "framework"
    assert "as --runtime framework asks" in output.metadata["runtime_reason"]
    assert not (tmp_path / "out" / "converted.onnx").exists()
    found = answers(output, files["keras"].parent, tmp_path / "out")
    np.testing.assert_allclose(found, files["out"], rtol=1e-5)


def test_a_saved_model_zip_builds_as_tensorflow_and_runtime_onnx_serves_its_graph(
    files: dict[str, Any], tmp_path: Path
) -> None:
    assert FORMAT.detect(files["zip"]) == 0.8
    output = build_step(files["zip"], tmp_path / "out", runtime="onnx")  # detected: tensorflow
    assert output.metadata["framework"] == "tensorflow"
    assert output.metadata["runtime"] == "onnx"
    assert output.entry_point == "saved_model.pb"
    root = FORMAT.layout(files["zip"]).root
    found = answers(output, root, tmp_path / "out")
    np.testing.assert_allclose(found, files["out"], rtol=1e-4, atol=1e-5)


def test_a_saved_model_zip_builds_as_keras_too(files: dict[str, Any], tmp_path: Path) -> None:
    """Keras' ``model.export`` writes a SavedModel, which Wallaroo takes as ``keras`` too."""
    output = build_step(files["zip"], tmp_path / "out", framework="keras")
    assert (output.metadata["framework"], output.entry_point) == ("keras", "saved_model.pb")
    assert output.metadata["runtime"] == "onnx"
    found = answers(output, FORMAT.layout(files["zip"]).root, tmp_path / "out")
    np.testing.assert_allclose(found, files["out"], rtol=1e-4, atol=1e-5)


class _Igamma(tf.Module):  # type: ignore[misc]
    """A SavedModel of an operation tf2onnx has no ONNX operator for (Igamma)."""

    @tf.function(input_signature=[tf.TensorSpec((None, 4), tf.float32, name="tensor")])  # type: ignore[untyped-decorator]
    def serve(self, tensor: Any) -> dict[str, Any]:
        positive = tf.abs(tensor) + 1.0
        return {"scores": tf.math.igamma(positive, positive)[:, :3]}


def test_a_model_tf2onnx_cannot_convert_falls_back_to_tensorflow_saying_why(
    tmp_path: Path,
) -> None:
    module = _Igamma()
    folder = tmp_path / "igamma"
    tf.saved_model.save(module, str(folder), signatures={"serving_default": module.serve})
    archive = tmp_path / "igamma.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(folder.rglob("*")):
            zipped.write(path, path.relative_to(tmp_path).as_posix())
    output = build_step(archive, tmp_path / "out")
    assert output.metadata["runtime"] == "framework"
    assert output.notes == [
        "served by framework: tensorflow's own runtime: the conversion to ONNX failed "
        "(ValueError: tf2onnx has no ONNX operator for TensorFlow's Igamma)"
    ]
    assert not (tmp_path / "out" / "converted.onnx").exists()
    expected = module.serve(tf.constant(ROWS))["scores"].numpy()
    found = answers(output, FORMAT.layout(archive).root, tmp_path / "out")
    np.testing.assert_allclose(found, expected, rtol=1e-6)
    with pytest.raises(
        ConfigError, match="has no ONNX operator for TensorFlow's Igamma"
    ) as refused:
        build_step(archive, tmp_path / "onnx", runtime="onnx")
    assert refused.value.field == "runtime"


def test_a_schema_the_model_cannot_take_and_a_mismatched_framework_are_refused(
    files: dict[str, Any], tmp_path: Path
) -> None:
    wide = pa.schema([pa.field("tensor", pa.list_(pa.float32(), 6))])
    with pytest.raises(ConfigError) as caught:
        FORMAT.build_step(
            FORMAT.layout(files["keras"]),
            tmp_path,
            options=upload_options(framework="keras", input_schema=wide, output_schema=OUTPUTS),
        )
    assert caught.value.field == "input_schema"
    with pytest.raises(ConfigError, match="does not match the upload, which is a keras file"):
        build_step(files["keras"], tmp_path / "tf", framework="tensorflow")


def test_the_environment_gets_the_tensorflow_and_keras_installed_here_and_tf2onnx(
    files: dict[str, Any],
) -> None:
    import importlib.metadata

    tensorflow = f"tensorflow-cpu=={importlib.metadata.version('tensorflow-cpu')}"
    keras_pin = f"keras=={keras.__version__}"
    assert upload_requirements(files["keras"]) == (tensorflow, keras_pin, *TF_CONVERSION)
    assert upload_requirements(files["zip"]) == upload_requirements(files["keras"])


def test_a_byop_zip_carrying_a_saved_model_stays_a_byop_zip(tmp_path: Path) -> None:
    """Python modules beside saved_model.pb make the zip a BYOP model, with its requirements.txt."""
    archive = tmp_path / "byop.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("byop/saved_model.pb", b"graph")
        zipped.writestr("byop/inference.py", "from mac.inference import Inference\n")
    assert not keras_model.is_saved_model_zip(archive)
    assert upload_requirements(archive) is None
    saved = tmp_path / "saved.zip"
    with zipfile.ZipFile(saved, "w") as zipped:
        zipped.writestr("model/saved_model.pb", b"graph")
        zipped.writestr("model/variables/variables.index", b"")
    assert keras_model.is_saved_model_zip(saved)
