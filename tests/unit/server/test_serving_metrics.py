"""A model server's own ``/metrics`` text (a real ``ServerMetrics``), read back as the counts
the UI plots: one model's requests, errors and histograms, summed over routes and statuses."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pytest

import modelport
from modelport.batch import Batch
from modelport.formats.native.python_model import PythonModelServable
from modelport.server.serving_metrics import model_counts
from modelport.serving.batching import REQUESTS, BatchingOptions
from modelport.serving.metrics import ServerMetrics
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime

SIGNATURE = modelport.Signature(
    inputs=[modelport.Field("x", float)], outputs=[modelport.Field("y", float)]
)


class Doubler(modelport.Model):
    def predict(self, x: np.ndarray) -> np.ndarray:
        return x[:, 0] * 2

    def schema(self) -> modelport.Signature:
        return SIGNATURE


@pytest.fixture
def in_flight() -> Iterator[None]:
    """As the middleware counts them: many requests in flight, so the batcher waits to merge."""
    REQUESTS.count += 100
    yield
    REQUESTS.count -= 100


def _served(*names: str) -> ModelSet:
    return ModelSet(
        [ModelRuntime(PythonModelServable(Doubler(), name=n, signature=SIGNATURE)) for n in names]
    )


def test_one_models_counts_are_summed_over_its_routes_and_statuses() -> None:
    metrics = ServerMetrics(_served("iris", "other"))
    observed = [
        ("iris", "native", 200, 0.003, 1), ("iris", "native", 200, 0.2, 40),
        ("iris", "v2", 422, 0.001, 1), ("", "health", 200, 0.0001, None),
        ("other", "native", 200, 3.0, 7),
    ]  # fmt: skip
    for model, route, status, seconds, rows in observed:
        metrics.observe(model=model, route=route, status=status, seconds=seconds, rows=rows)
    counts = model_counts(metrics.render().decode(), "iris")
    assert (counts["requests"], counts["errors"], counts["in_flight"]) == (3.0, 1.0, 0.0)
    latency = dict((str(bound), count) for bound, count in counts["latency_buckets"])
    assert (latency["0.001"], latency["0.005"], latency["0.25"], latency["inf"]) == (1, 2, 3, 3)
    rows = dict((str(bound), count) for bound, count in counts["rows_buckets"])
    assert (rows["1.0"], rows["50.0"], rows["inf"]) == (2, 3, 3)
    assert model_counts(metrics.render().decode(), "absent")["requests"] == 0


def test_a_batched_models_merged_batch_sizes_are_read(in_flight: None) -> None:
    batched = ModelRuntime(
        PythonModelServable(Doubler(), name="iris", signature=SIGNATURE),
        batching=BatchingOptions(max_batch_size=64),
    )
    alone = ModelRuntime(PythonModelServable(Doubler(), name="other", signature=SIGNATURE))
    models = ModelSet([batched, alone])
    for runtime in models.all():
        runtime.load()

    async def eight_requests_at_once() -> None:
        schema = pa.schema([("x", pa.float64())])
        rows = [Batch.from_matrix(np.array([[i], [i + 0.5]]), ("x",), schema) for i in range(8)]
        await asyncio.gather(*(batched.predict(r) for r in rows))

    asyncio.run(eight_requests_at_once())
    text = ServerMetrics(models).render().decode()
    sizes = dict(
        (str(bound), count) for bound, count in model_counts(text, "iris")["batch_buckets"]
    )
    assert (sizes["8.0"], sizes["16.0"], sizes["inf"]) == (0, 1, 1)  # one merged batch of 16
    assert model_counts(text, "other")["batch_buckets"] is None  # not batched
