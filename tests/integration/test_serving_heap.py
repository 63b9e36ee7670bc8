"""The serving process's collector, seen from a model it serves: on again once the models are
loaded, with the loaded heap frozen, in one process and in each worker of a pool (the collector
is off while the process starts: ``serving/heap.py``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from modelport.testing import start_server

from .cli import build_model_code

MODEL = """
import gc

import pandas as pd

import modelport
from modelport import Field, Signature


class Demo(modelport.Model):
    def initialize(self):
        self.collecting_at_load = gc.isenabled()

    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "collecting_at_load": [int(self.collecting_at_load)] * len(df),
                "collecting": [int(gc.isenabled())] * len(df),
                "frozen": [gc.get_freeze_count()] * len(df),
            }
        )

    def schema(self):
        return Signature(
            inputs=[Field("x", float)],
            outputs=[
                Field("collecting_at_load", int),
                Field("collecting", int),
                Field("frozen", int),
            ],
        )
"""


@pytest.fixture(scope="module")
def home(project_factory: Callable[..., Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("heap-home")
    project = project_factory(tmp_path_factory.mktemp("heap-src") / "demo")
    build_model_code(project, MODEL, "--name", "heap", home=home)
    return home


@pytest.mark.parametrize("workers", ["1", "2"])
def test_the_model_runs_with_the_collector_on_and_the_loaded_heap_frozen(
    home: Path, tmp_path: Path, workers: str
) -> None:
    environ = {"MODELPORT_HOME": str(home)}
    options = ["--workers", workers]
    with start_server("heap", log_dir=tmp_path, env=environ, serve_options=options) as server:
        answers = [
            httpx.post(f"{server.url}/v1/models/heap/predict", json=[{"x": 1.0}], timeout=10)
            for _ in range(4)  # over both workers of a pool, most likely
        ]
    for answer in answers:
        assert answer.status_code == 200, answer.text
        (row,) = answer.json()
        assert row["collecting_at_load"] == 0, "the collector ran while the model loaded"
        assert row["collecting"] == 1, "the collector stayed off after the load"
        assert row["frozen"] > 10_000, "the loaded heap was not frozen"
