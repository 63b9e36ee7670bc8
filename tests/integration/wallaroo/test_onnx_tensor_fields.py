"""ONNX uploads as Wallaroo's users make them: a scikit-learn model converted with skl2onnx's
usual input name ``float_input``, fed from the ``tensor`` column their data holds through
``tensor_fields`` (the SDK's ``model.configure(tensor_fields=["tensor"])``, the command's
``--tensor-fields tensor``); and a graph whose feature dimension is left open, fed from a
``list<float>`` column of equal-length rows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from starlette.testclient import TestClient

from modelport.errors import ConfigError
from modelport.formats.wallaroo.schemas import schema_to_base64
from modelport.registry.entities import ModelVersion
from modelport.registry.store import RegistryStore
from modelport.settings import Settings

from ..cli import run_cli
from .conftest import IRIS_CLASSIFIED, IRIS_FEATURES, Build, iris_classifier, serving

MEASURES = [[5.1, 3.5, 1.4, 0.2], [6.3, 2.8, 5.1, 1.5], [7.7, 3.0, 6.1, 2.3]]


def _converted(path: Path, dims: list[int | None]) -> Path:
    to_onnx = pytest.importorskip("skl2onnx").to_onnx
    pytest.importorskip("onnxruntime")
    from skl2onnx.common.data_types import FloatTensorType

    classifier = iris_classifier()
    converted = to_onnx(
        classifier,
        initial_types=[("float_input", FloatTensorType(dims))],
        options={id(classifier): {"zipmap": False}},
    )
    path.write_bytes(converted.SerializeToString())
    return path


@pytest.fixture(scope="module")
def uploads(build: Build, tmp_path_factory: pytest.TempPathFactory) -> list[ModelVersion]:
    work = tmp_path_factory.mktemp("tensor-fields")
    fed = build(
        _converted(work / "fed.onnx", [None, IRIS_FEATURES]),
        name="iris-fed",
        tensor_fields=["tensor"],
        output_schema=IRIS_CLASSIFIED,
    )
    open_dims = build(_converted(work / "open.onnx", [None, None]), name="iris-open")
    return [fed, open_dims]


@pytest.fixture(scope="module")
def client(
    uploads: list[ModelVersion], store: RegistryStore, settings: Settings
) -> Iterator[TestClient]:
    with serving(store, settings, uploads) as opened:
        yield opened


def test_tensor_fields_name_the_column_feeding_the_graph_input(
    client: TestClient, uploads: list[ModelVersion]
) -> None:
    assert [f["name"] for f in uploads[0].signature["inputs"]] == ["tensor"]
    response = client.post(
        "/v1/models/iris-fed/predict", json=[{"tensor": row} for row in MEASURES]
    )
    assert response.status_code == 200, response.text
    expected = iris_classifier().predict(np.array(MEASURES, dtype=np.float32))
    assert [r["label"] for r in response.json()] == expected.tolist()


def test_an_open_feature_dimension_takes_equal_length_list_rows(client: TestClient) -> None:
    response = client.post(
        "/v1/models/iris-open/predict", json=[{"float_input": row} for row in MEASURES]
    )
    assert response.status_code == 200, response.text
    assert [r["label"] for r in response.json()] == [0, 2, 2]
    ragged = client.post(
        "/v1/models/iris-open/predict",
        json=[{"float_input": MEASURES[0]}, {"float_input": [1.0, 2.0]}],
    )
    assert ragged.status_code == 422, ragged.text
    assert "ragged" in ragged.json()["detail"]


def test_tensor_fields_must_name_one_column_per_graph_input(build: Build, tmp_path: Path) -> None:
    path = _converted(tmp_path / "two.onnx", [None, IRIS_FEATURES])
    with pytest.raises(ConfigError, match="tensor_fields names 2 columns, the ONNX graph takes 1"):
        build(path, name="iris-two", tensor_fields=["a", "b"])
    with pytest.raises(ConfigError, match="tensor_fields apply to ONNX models only"):
        build(Path(__file__).parent / "steps" / "weighted_sum.py", name="x", tensor_fields="t")


def test_the_command_takes_tensor_fields_for_onnx_uploads(
    wallaroo_home: Path, tmp_path: Path
) -> None:
    path = _converted(tmp_path / "fed-by-cli.onnx", [None, IRIS_FEATURES])
    built = run_cli(
        "build", str(path), "--env", "inherit", "--name", "iris-fed-cli", "--json",
        "--framework", "onnx", "--tensor-fields", "tensor",
        "--output-schema", schema_to_base64(IRIS_CLASSIFIED),
        home=wallaroo_home,
    )  # fmt: skip
    assert built.code == 0, built.stderr
    version = built.json()["version"]
    assert [f["name"] for f in version["signature"]["inputs"]] == ["tensor"]
    assert version["metadata"]["tensor_fields"] == ["tensor"]

    step = Path(__file__).parent / "steps" / "weighted_sum.py"
    refused = run_cli(
        "build", str(step), "--framework", "python", "--tensor-fields", "tensor",
        home=wallaroo_home,
    )  # fmt: skip
    assert refused.code == 2, refused.stderr
    assert "--tensor-fields" in refused.stderr
    assert "--framework python has none" in refused.stderr
