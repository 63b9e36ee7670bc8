"""The Wallaroo build step run in-process on framework files: schemas read off the model,
overridden by the schemas given, and checked against it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pyarrow as pa
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from modelport.errors import ConfigError
from modelport.formats.base import BuildOutput
from modelport.formats.wallaroo.format import WallarooFormat
from modelport.formats.wallaroo.options import upload_options
from modelport.schema import Signature

X, Y = load_iris(return_X_y=True)
FORMAT = WallarooFormat()


@pytest.fixture(scope="module")
def classifier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model") / "iris.joblib"
    joblib.dump(LogisticRegression(max_iter=300).fit(X, Y), path)
    return path


def build_step(path: Path, out: Path, **options: Any) -> BuildOutput:
    out.mkdir()
    return FORMAT.build_step(FORMAT.layout(path), out, options=upload_options(**options))


def test_the_signature_is_read_off_a_scikit_learn_model(classifier: Path, tmp_path: Path) -> None:
    output = build_step(classifier, tmp_path / "out")
    signature = Signature.from_dict(output.signature)
    assert [(f.name, f.shape) for f in signature.inputs] == [("inputs", (4,))]
    assert [(f.name, f.type) for f in signature.outputs] == [("predictions", pa.int64())]
    assert output.metadata["framework"] == "sklearn"
    assert output.metadata["runtime"] == "onnx"  # converted: the graph answers as the model


def test_an_output_schema_alone_renames_the_output(classifier: Path, tmp_path: Path) -> None:
    schema = pa.schema([pa.field("output", pa.int64())])
    output = build_step(classifier, tmp_path / "out", output_schema=schema)
    signature = Signature.from_dict(output.signature)
    assert [f.name for f in signature.outputs] == ["output"]
    assert [f.name for f in signature.inputs] == ["inputs"]


def test_an_input_schema_of_another_width_is_refused(classifier: Path, tmp_path: Path) -> None:
    schema = pa.schema([pa.field("inputs", pa.list_(pa.float64(), 3))])
    with pytest.raises(ConfigError, match=r"gives \(3,\) features, the model was trained on 4"):
        build_step(classifier, tmp_path / "out", input_schema=schema)


def test_an_input_schema_of_several_columns_is_refused(classifier: Path, tmp_path: Path) -> None:
    schema = pa.schema([pa.field(name, pa.float64()) for name in "abcd"])
    with pytest.raises(ConfigError, match="one input column holding a fixed-size list") as caught:
        build_step(classifier, tmp_path / "out", input_schema=schema)
    assert "list_size=4" in str(caught.value)


def test_a_framework_other_than_the_models_is_refused(classifier: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="holds a sklearn model, not xgboost"):
        build_step(classifier, tmp_path / "out", framework="xgboost")


def test_a_pickle_of_something_else_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "numbers.pkl"
    joblib.dump(np.arange(3), path)
    with pytest.raises(ConfigError, match="neither a scikit-learn nor an XGBoost model"):
        build_step(path, tmp_path / "out")


def test_an_onnx_input_schema_must_name_the_graphs_inputs(classifier: Path, tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime")
    skl2onnx = pytest.importorskip("skl2onnx")
    from skl2onnx.common.data_types import FloatTensorType

    model = joblib.load(classifier)
    graph = skl2onnx.to_onnx(
        model,
        initial_types=[("tensor", FloatTensorType([None, 4]))],
        options={id(model): {"zipmap": False}},
    )
    path = tmp_path / "iris.onnx"
    path.write_bytes(graph.SerializeToString())
    wrong = pa.schema([pa.field("inputs", pa.list_(pa.float32(), 4))])
    with pytest.raises(ConfigError, match=r"the ONNX graph takes \['tensor'\]"):
        build_step(path, tmp_path / "out", input_schema=wrong)
    signature = Signature.from_dict(build_step(path, tmp_path / "out2").signature)
    assert [(f.name, f.shape) for f in signature.inputs] == [("tensor", (4,))]
    assert [f.name for f in signature.outputs] == ["label", "probabilities"]
