"""The native convention: detection, finding the model class, batch kinds, servable."""

import asyncio
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import modelport
from modelport.batch import Batch
from modelport.errors import ConfigError
from modelport.formats.native.format import NativeFormat, find_model
from modelport.formats.native.python_model import (
    PythonModelServable,
    batch_kind_of,
    normalise_signature,
)
from modelport.schema import Field, Signature


def _project(root: Path, model_source: str) -> Path:
    (root / "main").mkdir(parents=True)
    (root / "main" / "__init__.py").write_text("from .model import *\n")
    (root / "main" / "model.py").write_text(model_source)
    return root


def test_detect_scores_native_projects_high_and_others_low(tmp_path: Path) -> None:
    native = _project(tmp_path / "a", "import modelport\nclass M(modelport.Model): ...\n")
    other = _project(tmp_path / "b", "from qwak.model.base import QwakModel\n")
    assert NativeFormat().detect(native) == 0.9
    assert 0 < NativeFormat().detect(other) < 0.5
    assert NativeFormat().detect(tmp_path / "nothing") == 0.0


def test_layout_lists_sources_and_test_folders(tmp_path: Path) -> None:
    root = _project(tmp_path / "Iris_Model", "import modelport\n")
    (root / "tests" / "ut").mkdir(parents=True)
    (root / "tests" / "ut" / "test_a.py").write_text("def test_a(): pass\n")
    (root / "main" / "__pycache__").mkdir()
    (root / "main" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    (root / "data").mkdir()
    (root / "data" / "weights.bin").write_bytes(b"w")
    (root / "notes.txt").write_text("not packaged")

    layout = NativeFormat().layout(root, extra_folders=("data",))
    assert layout.default_name == "iris-model"
    assert layout.sources == (
        "data/weights.bin",
        "main/__init__.py",
        "main/model.py",
        "tests/ut/test_a.py",
    )
    assert layout.unit_tests == "tests/ut"
    assert layout.integration_tests is None


def test_layout_refuses_a_missing_extra_folder(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", "")
    with pytest.raises(ConfigError, match="extra folder 'assets' does not exist"):
        NativeFormat().layout(root, extra_folders=("assets",))


class Echo(modelport.Model):
    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        return df


class Other(modelport.Model):
    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        return df


def _package(**members: object) -> types.ModuleType:
    package = types.ModuleType("main")
    package.__file__ = "/nonexistent/main/__init__.py"
    vars(package).update(members)
    return package


def test_find_model_takes_the_one_subclass() -> None:
    instance, entry_point = find_model(_package(Echo=Echo))
    assert isinstance(instance, Echo)
    assert entry_point == "main:Echo"


def test_find_model_prefers_load_model_returning_a_class_or_an_instance() -> None:
    instance, entry_point = find_model(_package(Echo=Echo, Other=Other, load_model=lambda: Other))
    assert isinstance(instance, Other) and entry_point == "main:load_model"
    instance, _ = find_model(_package(load_model=lambda: Echo()))
    assert isinstance(instance, Echo)


def test_find_model_errors_name_the_problem() -> None:
    with pytest.raises(ConfigError, match="no model class found in main/"):
        find_model(_package())
    with pytest.raises(ConfigError, match="several model classes found in main/: Echo, Other"):
        find_model(_package(Echo=Echo, Other=Other))

    class NoPredict(modelport.Model):
        pass

    with pytest.raises(ConfigError, match="NoPredict has no predict"):
        find_model(_package(NoPredict=NoPredict))


def test_batch_kind_follows_the_type_hint() -> None:
    def frame(self: object, df: pd.DataFrame) -> None: ...
    def arrow(self: object, t: pa.Table) -> None: ...
    def arrays(self: object, d: dict[str, np.ndarray]) -> None: ...
    def plain(self: object, batch): ...  # type: ignore[no-untyped-def]
    def matrix(self: object, x: np.ndarray) -> None: ...

    assert batch_kind_of(frame) == "pandas"
    assert batch_kind_of(arrow) == "arrow"
    assert batch_kind_of(arrays) == "numpy"
    assert batch_kind_of(plain) == "pandas"
    assert batch_kind_of(matrix) == "matrix"


class Doubler(modelport.Model):
    def initialize(self) -> None:
        self.ready = True

    def predict(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {"y": batch["x"] * 2}


class AsyncDoubler(modelport.Model):
    async def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"y": df["x"] * 2})


class Streamer(modelport.Model):
    def predict(self, df: pd.DataFrame):  # type: ignore[no-untyped-def]
        for value in df["x"]:
            yield {"y": value}


def test_servable_runs_initialize_and_converts_both_ways() -> None:
    servable = PythonModelServable(Doubler(), name="d")
    servable.load()
    assert servable.instance.ready
    result = servable.predict(Batch.from_table(pa.table({"x": [1.0, 2.5]})))
    assert result.to_pydict() == {"y": [2.0, 5.0]}
    assert not servable.is_async and not servable.is_streaming


def test_async_servable_returns_an_awaitable_table() -> None:
    servable = PythonModelServable(AsyncDoubler(), name="a")
    assert servable.is_async
    result = asyncio.run(servable.predict(Batch.from_table(pa.table({"x": [3.0]}))))
    assert result.to_pydict() == {"y": [6.0]}


def test_streaming_servable_yields_chunks() -> None:
    servable = PythonModelServable(Streamer(), name="s")
    assert servable.is_streaming
    chunks = servable.stream(Batch.from_table(pa.table({"x": [1, 2]})))
    assert list(chunks) == [{"y": 1}, {"y": 2}]  # type: ignore[arg-type]


def test_normalise_signature_accepts_each_declared_form() -> None:
    inputs, outputs = [Field("x", float)], [Field("y", float)]
    expected = Signature(inputs=inputs, outputs=outputs)
    assert normalise_signature(expected) == expected
    assert normalise_signature((inputs, outputs)) == expected
    assert normalise_signature({"inputs": inputs, "outputs": outputs}) == expected
    assert normalise_signature(None).free_form
    with pytest.raises(ConfigError, match="schema\\(\\) returned str"):
        normalise_signature("x float")
