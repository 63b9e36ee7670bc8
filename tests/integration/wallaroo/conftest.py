"""Wallaroo uploads built once per session into a registry of their own, and served in-process
(asked over ASGI)."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from starlette.testclient import TestClient

from modelport.builder.build import build_project
from modelport.builder.build_options import BuildOptions
from modelport.formats.wallaroo.options import OPTION_NAMES, upload_options
from modelport.registry.entities import ModelVersion
from modelport.registry.store import RegistryStore
from modelport.registry.uris import open_store
from modelport.serving.app import create_app
from modelport.serving.loader import load_artifact
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime
from modelport.settings import Settings
from modelport.testing import app_client

from ..cli import run_cli

HERE = Path(__file__).parent
STEPS = HERE / "steps"
BYOP = HERE / "byop"
WEIGHTS = np.array([0.5, -1.0, 2.0, 0.25])
"""The weighted-sum logic's weights; steps/weighted_sum.py holds the same numbers."""

TENSOR_SCHEMA = pa.schema([pa.field("tensor", pa.list_(pa.float64(), 4))])
WEIGHTED_SCHEMA = pa.schema([pa.field("weighted", pa.float64()), pa.field("largest", pa.float64())])
IRIS_FEATURES = 4
IRIS_CLASSIFIED = pa.schema(
    [pa.field("label", pa.int64()), pa.field("probabilities", pa.list_(pa.float32(), 3))]
)
"""The output schema of the ONNX iris classifier (no zipmap: probabilities as a tensor)."""


IRIS_PIPELINE = "iris-pipeline"
IRIS_ROWS = [{"measures": [51.0, 35.0, 14.0, 2.0]}, {"measures": [63.0, 28.0, 51.0, 15.0]}]
"""Sepal and petal length and width in millimetres: a setosa the classifier is sure of, and a
flower it is not (under 90%)."""


def iris_classifier() -> LogisticRegression:
    features, labels = load_iris(return_X_y=True)
    return LogisticRegression(max_iter=500).fit(features, labels)


def iris_expected() -> tuple[list[str], np.ndarray]:
    """The species and confidence (percent) scikit-learn itself gives IRIS_ROWS."""
    centimetres = np.array([row["measures"] for row in IRIS_ROWS]) / 10
    probabilities = iris_classifier().predict_proba(centimetres)
    species = ["setosa", "versicolor", "virginica"]
    return [species[i] for i in probabilities.argmax(axis=1)], probabilities.max(axis=1) * 100


@pytest.fixture(scope="session")
def wallaroo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("wallaroo-home")


@pytest.fixture(scope="session")
def settings(wallaroo_home: Path) -> Settings:
    return Settings(home=wallaroo_home)


@pytest.fixture(scope="session")
def store(settings: Settings) -> RegistryStore:
    return open_store(None, settings=settings)


Build = Callable[..., ModelVersion]


@pytest.fixture(scope="session")
def build(store: RegistryStore, settings: Settings) -> Build:
    """Build and register an upload with ``--env inherit``; options are BuildOptions' fields
    and Wallaroo's upload options (``framework``, ``input_schema``, ``output_schema``)."""

    def make(path: Path, **options: Any) -> ModelVersion:
        wallaroo = {k: options.pop(k) for k in list(options) if k in OPTION_NAMES}
        built = build_project(
            path,
            store=store,
            settings=settings,
            options=BuildOptions(env="inherit", **options),
            format_options=upload_options(**wallaroo),
        )
        return built.version

    return make


def zip_folder(folder: Path, dest: Path, *, extra: dict[str, Path] | None = None) -> Path:
    """``folder`` zipped under its own name as the one top folder (plus ``extra`` artifacts)."""
    with zipfile.ZipFile(dest, "w") as archive:
        for path in sorted(folder.iterdir()):
            if path.is_file():
                archive.write(path, f"{folder.name}/{path.name}")
        for name, path in (extra or {}).items():
            archive.write(path, f"{folder.name}/{name}")
    return dest


@pytest.fixture(scope="session")
def weighted_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The BYOP weighted-sum model, its weights saved as an artifact beside the code."""
    work = tmp_path_factory.mktemp("byop")
    np.save(work / "weights.npy", WEIGHTS)
    return zip_folder(
        BYOP / "weighted", work / "weighted.zip", extra={"weights.npy": work / "weights.npy"}
    )


@pytest.fixture(scope="session")
def byop_model(build: Build, weighted_zip: Path) -> ModelVersion:
    """The BYOP weighted-sum zip, uploaded as framework custom with the step's schemas."""
    return build(
        weighted_zip,
        name="byop",
        framework="custom",
        input_schema=TENSOR_SCHEMA,
        output_schema=WEIGHTED_SCHEMA,
    )


@pytest.fixture(scope="session")
def weighted_step(build: Build) -> ModelVersion:
    """The weighted-sum python step, uploaded with its schemas given as pyarrow.Schema."""
    return build(
        STEPS / "weighted_sum.py",
        name="step",
        framework="python",
        input_schema=TENSOR_SCHEMA,
        output_schema=WEIGHTED_SCHEMA,
    )


@pytest.fixture(scope="session")
def iris_onnx(build: Build, tmp_path_factory: pytest.TempPathFactory) -> ModelVersion:
    """The iris classifier converted here from scikit-learn to ONNX, input named ``tensor`` as
    in Wallaroo's ONNX examples, and uploaded."""
    pytest.importorskip("onnxruntime")
    to_onnx = pytest.importorskip("skl2onnx").to_onnx
    from skl2onnx.common.data_types import FloatTensorType

    classifier = iris_classifier()
    converted = to_onnx(
        classifier,
        initial_types=[("tensor", FloatTensorType([None, IRIS_FEATURES]))],
        options={id(classifier): {"zipmap": False}},
    )
    path = tmp_path_factory.mktemp("onnx") / "iris.onnx"
    path.write_bytes(converted.SerializeToString())
    return build(path, name="iris-onnx", output_schema=IRIS_CLASSIFIED)


@contextmanager
def serving(
    store: RegistryStore, settings: Settings, versions: list[ModelVersion]
) -> Iterator[TestClient]:
    """The versions served together in one app; yields a client asking it over ASGI."""
    runtimes = []
    for version in versions:
        loaded = load_artifact(
            store.artifact_path(version), settings=settings, version=version.number
        )
        runtime = ModelRuntime(loaded.servable, version=version.number)
        runtime.load()
        runtimes.append(runtime)
    app = create_app(ModelSet(runtimes))
    with app_client(app) as client:
        yield client


@pytest.fixture(scope="session")
def iris_pipeline(build: Build, iris_onnx: ModelVersion, wallaroo_home: Path) -> str:
    """Issue 7's pipeline, python step -> ONNX model -> python step, with a validation, made
    with `modelport pipeline create`, `add-step` and `add-validation`."""
    measures = pa.schema([pa.field("measures", pa.list_(pa.float64(), IRIS_FEATURES))])
    tensor = pa.schema([pa.field("tensor", pa.list_(pa.float32(), IRIS_FEATURES))])
    named = pa.schema([pa.field("species", pa.string()), pa.field("confidence", pa.float64())])
    pre = build(
        STEPS / "centimetres.py",
        name="iris-pre",
        framework="python",
        input_schema=measures,
        output_schema=tensor,
    )
    post = build(
        STEPS / "species.py",
        name="iris-post",
        framework="python",
        input_schema=IRIS_CLASSIFIED,
        output_schema=named,
    )
    for command in (
        ["create", IRIS_PIPELINE, "--step", pre.ref, "--step", iris_onnx.ref],
        ["add-step", IRIS_PIPELINE, post.ref],
        ["add-validation", IRIS_PIPELINE, "confident", "out.confidence > 90"],
    ):
        result = run_cli("pipeline", *command, "--json", home=wallaroo_home)
        assert result.code == 0, result.stderr
    assert result.json()["version"] == 3
    return IRIS_PIPELINE
