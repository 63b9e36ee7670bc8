"""A Truss with every location key moved off its default (model_module_dir,
model_class_filename, model_class_name, data_dir, bundled_packages_dir), served: the prediction
tells which module, class, data folder and bundled package answered. model/, data/ and
packages/ hold decoys, so a default used anywhere shows."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from modelport.registry.uris import open_store
from modelport.serving.runtime import ModelRuntime
from modelport.settings import Settings

from .conftest import serving


@pytest.fixture(scope="module")
def client(runtime_of: Callable[..., ModelRuntime]) -> Iterator[TestClient]:
    with serving(runtime_of("relocated")) as client:
        yield client


def test_each_location_key_is_honoured(client: TestClient) -> None:
    answer = client.post("/v1/models/truss-relocated:predict", json={"x": 1})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "class": "Predictor",
        "module": "serving.predictor",
        "data_dir": "assets",
        "label": "from assets/",
        "helper": "vendored/",
    }


def test_only_the_configured_folders_are_packaged(client: TestClient, truss_home: Path) -> None:
    store = open_store(None, settings=Settings(home=truss_home))
    version = store.resolve("truss-relocated")
    with zipfile.ZipFile(store.artifact_path(version)) as archive:
        sources = sorted(n for n in archive.namelist() if n.startswith("src/"))
    assert sources == [
        "src/assets/label.txt",
        "src/config.yaml",
        "src/serving/predictor.py",
        "src/vendored/where_helper/__init__.py",
    ]
    assert version.metadata["truss_config"]["model_class_name"] == "Predictor"
