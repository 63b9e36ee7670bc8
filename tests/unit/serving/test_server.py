"""Loading the served models: initialise each, then keep the loaded heap out of the collector."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import numpy as np
import pytest

import modelport
from modelport.formats.native.python_model import PythonModelServable
from modelport.schema import Field, Signature
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime
from modelport.serving.server import load_models

SIGNATURE = Signature(inputs=[Field("x", float)], outputs=[Field("y", float)])


class Initialised(modelport.Model):
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.weights: list[float] | None = None

    def initialize(self) -> None:
        if self.fail:
            raise RuntimeError("weights missing")
        self.weights = [2.0]

    def predict(self, batch: np.ndarray) -> np.ndarray:
        return batch[:, 0] * 2


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def _runtime(model: modelport.Model) -> ModelRuntime:
    return ModelRuntime(PythonModelServable(model, name="m", signature=SIGNATURE))


@pytest.mark.usefixtures("unfrozen")
def test_models_are_initialised_then_the_heap_is_frozen() -> None:
    model = Initialised()
    runtime = _runtime(model)
    assert gc.get_freeze_count() == 0
    asyncio.run(load_models(ModelSet([runtime])))
    assert runtime.ready and model.weights == [2.0]
    tracked = gc.get_objects()
    assert not any(o is model.weights for o in tracked), "what loading made is still collected"
    assert not any(o is model for o in tracked)


@pytest.mark.usefixtures("unfrozen")
def test_a_failing_initialise_propagates_and_freezes_nothing() -> None:
    runtime = _runtime(Initialised(fail=True))
    with pytest.raises(RuntimeError, match="weights missing"):
        asyncio.run(load_models(ModelSet([runtime])))
    assert not runtime.ready
    assert gc.get_freeze_count() == 0
