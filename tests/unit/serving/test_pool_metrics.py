"""A pool's ``/metrics``: the samples of every worker merged into one answer (pure parts: the
merge itself; tests/integration/test_pool_metrics.py serves a real pool)."""

from __future__ import annotations

import orjson
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from modelport.serving.metrics import ServerMetrics
from modelport.serving.workers.pool_metrics import encode, merge


def _worker(requests: int, latencies: list[float], in_flight: int, ready: int) -> bytes:
    """One worker's registry after ``requests`` requests, encoded as it answers a sibling."""
    registry = CollectorRegistry()
    counter = Counter("modelport_requests", "Requests", ("model",), registry=registry)
    counter.labels("iris").inc(requests)
    histogram = Histogram(
        "modelport_request_duration_seconds", "Latency", buckets=(0.01, 0.1), registry=registry
    )
    for seconds in latencies:
        histogram.observe(seconds)
    Gauge("modelport_requests_in_flight", "In flight", registry=registry).set(in_flight)
    Gauge("modelport_model_ready", "Ready", registry=registry).set(ready)
    return encode(registry)


def _samples(families: list) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    registry = CollectorRegistry(auto_describe=False)

    class Fixed:
        def collect(self) -> list:
            return families

    registry.register(Fixed())  # type: ignore[arg-type]
    text = generate_latest(registry).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_counters_histograms_and_requests_in_flight_add_up_other_gauges_are_the_own() -> None:
    own = orjson.loads(_worker(3, [0.005, 0.05], in_flight=1, ready=1))
    other = orjson.loads(_worker(5, [0.005, 0.5, 0.5], in_flight=2, ready=0))
    found = _samples(merge(own, [other]))
    assert found[("modelport_requests_total", (("model", "iris"),))] == 8
    assert found[("modelport_request_duration_seconds_bucket", (("le", "0.01"),))] == 2
    assert found[("modelport_request_duration_seconds_bucket", (("le", "0.1"),))] == 3
    assert found[("modelport_request_duration_seconds_bucket", (("le", "+Inf"),))] == 5
    assert found[("modelport_request_duration_seconds_count", ())] == 5
    assert abs(found[("modelport_request_duration_seconds_sum", ())] - 1.06) < 1e-9
    assert found[("modelport_requests_in_flight", ())] == 3
    assert found[("modelport_model_ready", ())] == 1  # the answering worker's own


def test_a_series_only_another_worker_has_is_in_the_answer() -> None:
    own = orjson.loads(_worker(1, [], in_flight=0, ready=1))
    registry = CollectorRegistry()
    Counter("modelport_errors", "Errors", ("status",), registry=registry).labels("500").inc(2)
    found = _samples(merge(own, [orjson.loads(encode(registry))]))
    assert found[("modelport_errors_total", (("status", "500"),))] == 2
    assert found[("modelport_requests_total", (("model", "iris"),))] == 1


def test_server_metrics_answer_what_gather_gives_in_place_of_their_own() -> None:
    metrics = ServerMetrics()
    metrics.observe(model="", route="/x", status=200, seconds=0.01, rows=None)
    alone = metrics.render().decode()
    assert 'modelport_requests_total{model="",route="/x",status="200"} 1.0' in alone
    twice = orjson.loads(encode(metrics.registry))
    metrics.gather = lambda: merge(twice, [twice])
    doubled = metrics.render().decode()
    assert 'modelport_requests_total{model="",route="/x",status="200"} 2.0' in doubled
