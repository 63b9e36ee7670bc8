"""A registry with three native models built once per session (pre-processing, a scikit-learn
classifier, post-processing) and the pipeline ``iris`` running them in order (version 3:
version 1 has the first two steps, version 2 adds the third, version 3 a validation)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import anyio
import pyarrow as pa
import pytest

from modelport.builder.build import build_project
from modelport.builder.build_options import BuildOptions
from modelport.formats.wallaroo.pipeline import InferFrame
from modelport.pipelines import editing
from modelport.pipelines.loading import load_pipeline
from modelport.pipelines.store import PipelineStore
from modelport.registry import RegistryStore, open_store
from modelport.serving.runtime import ModelRuntime
from modelport.settings import Settings

PROJECTS = Path(__file__).parent / "projects"
STEPS = ("scaler", "classifier", "label")
ROWS = [
    {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2},
    {"sepal_length": 6.3, "sepal_width": 2.8, "petal_length": 5.1, "petal_width": 1.5},
]
"""A setosa the classifier is sure of, and a flower it is not (confidence under 90%)."""


@dataclass(frozen=True)
class Registry:
    settings: Settings
    models: RegistryStore
    pipelines: PipelineStore

    def infer(self, ref: str, rows: list[dict[str, float]], *, log: bool = False) -> pa.Table:
        """The result frame of ``rows`` through pipeline ``ref``, run in this process."""
        servable = load_pipeline(
            ref,
            registry=self.models,
            pipelines=self.pipelines,
            settings=self.settings,
            log_inferences=log,
        )
        runtime = ModelRuntime(servable, inline=False)
        runtime.load()
        batch = runtime.validator.validate(pa.Table.from_pylist(rows))
        frame: pa.Table = anyio.run(runtime.invoke, InferFrame(batch))
        return frame


@pytest.fixture(scope="session")
def pipeline_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("pipelines-home")
    sources = tmp_path_factory.mktemp("pipelines-src")
    settings = Settings(home=home)
    with open_store(settings=settings) as models, PipelineStore.open(settings=settings) as pipes:
        for step in STEPS:
            project = shutil.copytree(PROJECTS / step, sources / step)
            options = BuildOptions(name=f"iris-{step}", env="inherit")
            build_project(project, store=models, settings=settings, options=options)
        stores = {"registry": models, "pipelines": pipes}
        editing.create_pipeline("iris", steps=["iris-scaler", "iris-classifier"], **stores)
        editing.add_step("iris", "iris-label", **stores)
        editing.add_validation("iris", "confident", "out.confidence > 90", **stores)
    return home


@pytest.fixture
def registry(pipeline_home: Path) -> Iterator[Registry]:
    settings = Settings(home=pipeline_home)
    with open_store(settings=settings) as models, PipelineStore.open(settings=settings) as pipes:
        yield Registry(settings, models, pipes)
