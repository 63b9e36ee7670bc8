"""Prometheus metrics of a server: requests, latency, errors and rows per model and route; each
model's identity, readiness and load time; and the standard process, platform and garbage
collector metrics. No ``_created`` series: they double the series a scrape stores, for a
timestamp nobody graphs.

Label values are bounded by what the server serves, not by what clients send: a model label is
a served model's name, or ``(unknown)`` for every other name a request gave, and a route label
is a route's path template, or ``unrouted`` for every path no route answers. So requests for
random names or paths add no series."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from modelport.serving.batching import Histogram as BatchHistogram
    from modelport.serving.models import ModelSet

disable_created_metrics()  # type: ignore[no-untyped-call]

_Children = tuple[Any, Any | None, Any, Any]
"""A request counter, an error counter (4xx/5xx only), a latency and a rows histogram."""

REQUEST_ROWS: ContextVar[list[int] | None] = ContextVar("modelport_request_rows", default=None)
"""Where the runtime notes how many rows the current request predicted (set per request by the
middleware), so protocols need not report it."""


def note_rows(count: int) -> None:
    holder = REQUEST_ROWS.get()
    if holder is not None:
        holder.append(count)


UNKNOWN_MODEL = "(unknown)"
"""The model label of requests naming a model the server does not serve."""

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
ROW_BUCKETS = (1, 2, 5, 10, 50, 100, 500, 1000, 5000, 10000, 100000)


class ServerMetrics:
    """One registry per app, so two apps in one process (tests) never share counts."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self, models: ModelSet | None = None, *, names: Iterable[str] = ()) -> None:
        """``names``: the models served when there is no ``models`` set to ask (a front's)."""
        self.models = models
        self._served: frozenset[str] = frozenset(names)
        self.registry = CollectorRegistry(auto_describe=True)
        for standard in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            self.registry.register(standard)  # they hold no state: one each per process
        if models is not None:
            self.registry.register(ModelCollector(models))
        labels = ("model", "route", "status")
        self.requests = Counter(
            "modelport_requests", "Requests answered", labels, registry=self.registry
        )
        self.errors = Counter(
            "modelport_errors",
            "Requests answered with a 4xx or 5xx",
            labels,
            registry=self.registry,
        )
        self.latency = Histogram(
            "modelport_request_duration_seconds",
            "Time from request to the end of the response",
            ("model", "route"),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.rows = Histogram(
            "modelport_request_rows",
            "Input rows per prediction request",
            ("model", "route"),
            buckets=ROW_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "modelport_requests_in_flight", "Requests being answered", registry=self.registry
        )
        self._children: dict[tuple[str, str, int], _Children] = {}
        self.gather: Callable[[], list[Metric]] | None = None
        """What a scrape answers in place of this registry's own samples: a pool's worker sets
        it to every worker's samples merged (``serving/workers/pool_metrics.py``)."""

    def observe(
        self, *, model: str, route: str, status: int, seconds: float, rows: int | None
    ) -> None:
        if model and model not in self._served:
            model = self._model_label(model)
        key = (model, route, status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = self._make_children(model, route, status)
        requests, errors, latency, row_counts = children
        requests.inc()
        if errors is not None:
            errors.inc()
        latency.observe(seconds)
        if rows is not None:
            row_counts.observe(rows)

    def _model_label(self, name: str) -> str:
        """``name`` if a model of that name is served (looked up again, as models may be added
        after the app is made), else ``UNKNOWN_MODEL``."""
        if self.models is not None:
            self._served = frozenset(runtime.name for runtime in self.models.all())
        return name if name in self._served else UNKNOWN_MODEL

    def _make_children(self, model: str, route: str, status: int) -> _Children:
        """The labelled series of one (model, route, status), looked up once and kept."""
        code = str(status)
        return (
            self.requests.labels(model, route, code),
            self.errors.labels(model, route, code) if status >= 400 else None,
            self.latency.labels(model, route),
            self.rows.labels(model, route),
        )

    def render(self) -> bytes:
        """The text exposition format (blocking: the app calls it in a worker thread, so a
        scrape never holds the event loop)."""
        if self.gather is None:
            return generate_latest(self.registry)
        return render_families(self.gather())


def render_families(families: list[Metric]) -> bytes:
    """Families collected elsewhere (merged from several processes) in the text format."""
    answer = CollectorRegistry(auto_describe=False)
    answer.register(_Gathered(families))
    return generate_latest(answer)


class _Gathered(Collector):
    """Families collected elsewhere, answered as they are."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterator[Metric]:
        yield from self.families


class ModelCollector(Collector):
    """Each served model's identity (``modelport_model_info``: name, version, digest and format
    as labels), readiness (``modelport_model_ready``, 0 or 1) and how long its ``load()`` took
    (``modelport_model_load_seconds``, once it has finished), read when scraped."""

    def __init__(self, models: ModelSet) -> None:
        self.models = models

    def describe(self) -> list[Metric]:
        return []  # nothing to check at registration: the names are modelport's own

    def collect(self) -> Iterator[Metric]:
        info = GaugeMetricFamily(
            "modelport_model_info",
            "The models served: name, version, artifact digest and convention",
            labels=("name", "version", "digest", "format"),
        )
        ready = GaugeMetricFamily(
            "modelport_model_ready", "1 once the model has loaded", labels=("name", "version")
        )
        load = GaugeMetricFamily(
            "modelport_model_load_seconds",
            "Seconds the model's load() took",
            labels=("name", "version"),
        )
        for runtime in self.models.all():
            version = str(runtime.version) if runtime.version is not None else "1"
            labels = (runtime.name, version)
            info.add_metric((*labels, runtime.digest or "", runtime.source_format), 1)
            ready.add_metric(labels, 1 if runtime.ready else 0)
            if runtime.load_seconds is not None:
                load.add_metric(labels, runtime.load_seconds)
        yield from (info, ready, load)
        yield from _batching_metrics(self.models)


def _batching_metrics(models: ModelSet) -> Iterator[Metric]:
    """Per batched model: rows per merged batch, each queued request's wait, why each batch
    was released, requests run again alone after their batch failed, and queued requests not
    run because their client had gone."""
    sizes = HistogramMetricFamily(
        "modelport_batch_rows", "Rows per merged batch", labels=("name", "version")
    )
    delays = HistogramMetricFamily(
        "modelport_batch_queue_seconds",
        "How long a queued request waited for its batch to start",
        labels=("name", "version"),
    )
    released = CounterMetricFamily(
        "modelport_batches_released",
        "Merged batches, by why they were released (size, idle, latency)",
        labels=("name", "version", "reason"),
    )
    reruns = CounterMetricFamily(
        "modelport_batch_reruns",
        "Requests run again alone after the batch they were in failed",
        labels=("name", "version"),
    )
    dropped = CounterMetricFamily(
        "modelport_batch_dropped",
        "Queued requests not run because their client had closed the connection",
        labels=("name", "version"),
    )
    for runtime in models.all():
        batcher = runtime.batcher
        if batcher is None:
            continue
        labels = [runtime.name, str(runtime.version) if runtime.version is not None else "1"]
        stats = batcher.stats
        for family, histogram in ((sizes, stats.sizes), (delays, stats.delays)):
            family.add_metric(labels, _buckets(histogram), histogram.total)
        for reason, count in stats.released.items():
            released.add_metric([*labels, reason], count)
        reruns.add_metric(labels, stats.reruns)
        dropped.add_metric(labels, stats.dropped)
    yield from (sizes, delays, released, reruns, dropped)


def _buckets(histogram: BatchHistogram) -> list[tuple[str, float]]:
    """Cumulative counts per upper bound, as the exposition format has them."""
    found: list[tuple[str, float]] = []
    running = 0
    for bound, count in zip((*histogram.bounds, float("inf")), histogram.counts, strict=True):
        running += count
        found.append(("+Inf" if bound == float("inf") else repr(float(bound)), running))
    return found
