"""Adaptive batching in a real server (uvicorn on a loopback port, a real HTTP client): many
clients at once get their own answers while the model sees merged batches, on the native route
and on V2 alike, and /metrics tells how the batches were made."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator

import httpx
import pandas as pd
import pytest

import modelport
from modelport import Field, Signature
from modelport.formats.native.python_model import PythonModelServable
from modelport.serving.app import create_app
from modelport.serving.batching import BatchingOptions
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime
from modelport.testing import serve_app


class Doubler(modelport.Model):
    """A DataFrame model with a cost per call (as building the DataFrame has), recording the rows
    of each call."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def schema(self) -> Signature:
        return Signature([Field("x", "float64")], [Field("y", "float64")])

    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        self.calls.append(len(df))
        time.sleep(0.004)
        return pd.DataFrame({"y": df["x"] * 2})


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, Doubler]]:
    model = Doubler()
    servable = PythonModelServable(model, name="doubler", signature=model.schema())
    runtime = ModelRuntime(servable, batching=BatchingOptions())
    runtime.load()
    assert runtime.batcher is not None, runtime.calibration
    model.calls.clear()  # the calibration's calls
    with serve_app(create_app(ModelSet([runtime]))) as base:
        yield base, model


async def _many(base: str, count: int) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        native = [
            client.post("/v1/models/doubler/predict", json=[{"x": float(i)}, {"x": i + 0.5}])
            for i in range(count)
        ]
        v2 = [
            client.post(
                "/v2/models/doubler/infer",
                json={"inputs": [{"name": "x", "datatype": "FP64", "shape": [1], "data": [i]}]},
            )
            for i in range(count)
        ]
        return await asyncio.gather(*native, *v2)


def test_many_clients_get_their_own_answers_from_merged_batches(
    served: tuple[str, Doubler],
) -> None:
    base, model = served
    answers = asyncio.run(_many(base, 24))
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers if a.is_error]
    native, v2 = answers[:24], answers[24:]
    assert [a.json() for a in native] == [[{"y": 2.0 * i}, {"y": 2.0 * i + 1}] for i in range(24)]
    assert [a.json()["outputs"][0]["data"] for a in v2] == [[2.0 * i] for i in range(24)]
    assert sum(model.calls) == 24 * 3  # every row predicted once
    assert max(model.calls) > 3, model.calls  # and some of them together
    assert len(model.calls) < 48

    metrics = httpx.get(f"{base}/metrics").text
    batches = _value(metrics, "modelport_batch_rows_count")
    rows = _value(metrics, "modelport_batch_rows_sum")
    assert batches >= 1 and rows > batches
    released = re.findall(r"^modelport_batches_released_total\{[^}]*\} (\S+)$", metrics, re.M)
    assert len(released) == 3  # size, idle, latency
    assert sum(float(count) for count in released) == batches
    assert "modelport_batch_queue_seconds_bucket" in metrics


def _value(metrics: str, name: str) -> float:
    found = re.search(rf"^{name}\{{[^}}]*\}} (\S+)$", metrics, re.MULTILINE)
    assert found, f"{name} missing from /metrics"
    return float(found.group(1))
