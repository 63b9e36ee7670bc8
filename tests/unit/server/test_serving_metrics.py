"""A model server's own ``/metrics`` text (a real ``ServerMetrics``), read back as the counts
the UI plots: one model's requests, errors and histograms, summed over routes and statuses."""

from __future__ import annotations

import numpy as np

import modelport
from modelport.formats.native.python_model import PythonModelServable
from modelport.server.serving_metrics import model_counts
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
