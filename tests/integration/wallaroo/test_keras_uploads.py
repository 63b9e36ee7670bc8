"""Keras and TensorFlow uploads built (in this interpreter: a TensorFlow environment of its own is
1.5 GB, which the PyTorch upload's test proves the mechanism of) and served together, asked on the
native, KServe V1 and Open Inference V2 routes."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pytest
from starlette.testclient import TestClient

from modelport.registry.store import RegistryStore
from modelport.settings import Settings

from .conftest import Build, serving

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
keras = pytest.importorskip("keras")
pytest.importorskip("tensorflow")

pytestmark = [
    pytest.mark.slow,  # each build step imports TensorFlow (some 20 s here)
    pytest.mark.filterwarnings(  # Keras' own saving, with numpy 2
        "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
    ),
]
INPUTS = pa.schema([pa.field("tensor", pa.list_(pa.float32(), 4))])
OUTPUTS = pa.schema([pa.field("scores", pa.list_(pa.float32(), 3))])
ROWS = np.random.default_rng(5).standard_normal((4, 4)).astype(np.float32)


@pytest.fixture(scope="module")
def expected_and_server(
    build: Build, store: RegistryStore, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[np.ndarray, TestClient]]:
    work = tmp_path_factory.mktemp("keras-uploads")
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.save(work / "scorer.h5")
    model.export(work / "scorer_saved", verbose=False)
    with zipfile.ZipFile(work / "scorer_saved.zip", "w") as zipped:
        for path in sorted((work / "scorer_saved").rglob("*")):
            zipped.write(path, path.relative_to(work).as_posix())
    schemas = {"input_schema": INPUTS, "output_schema": OUTPUTS}
    versions = [
        build(work / "scorer.h5", name="keras-scorer", framework="keras", **schemas),
        build(work / "scorer_saved.zip", name="tf-scorer", framework="tensorflow", **schemas),
    ]
    with serving(store, settings, versions) as client:
        yield model(ROWS, training=False).numpy(), client


@pytest.mark.parametrize("name", ["keras-scorer", "tf-scorer"])
def test_each_protocol_answers_with_the_models_scores(
    expected_and_server: tuple[np.ndarray, TestClient], name: str
) -> None:
    expected, client = expected_and_server
    rows = [{"tensor": row.tolist()} for row in ROWS]
    native = client.post(f"/v1/models/{name}/predict", json=rows)
    assert native.status_code == 200, native.text
    np.testing.assert_allclose([r["scores"] for r in native.json()], expected, rtol=1e-5)
    kserve = client.post(f"/v1/models/{name}:predict", json={"instances": rows})
    assert kserve.status_code == 200, kserve.text
    assert len(kserve.json()["predictions"]) == len(ROWS)
    tensor = {"name": "tensor", "datatype": "FP32", "shape": [4, 4], "data": ROWS.ravel().tolist()}
    v2 = client.post(f"/v2/models/{name}/infer", json={"inputs": [tensor]})
    assert v2.status_code == 200, v2.text
    [scores] = v2.json()["outputs"]
    assert (scores["name"], scores["datatype"], scores["shape"]) == ("scores", "FP32", [4, 3])


@pytest.mark.parametrize("name", ["keras-scorer", "tf-scorer"])
def test_a_request_of_another_schema_is_refused_naming_the_field(
    expected_and_server: tuple[np.ndarray, TestClient], name: str
) -> None:
    _, client = expected_and_server
    answer = client.post(f"/v1/models/{name}/predict", json=[{"tensor": [1.0, 2.0, 3.0]}])
    assert answer.status_code == 422
    assert answer.json()["field"] == "tensor"
