"""A served model's counts, read from its server's ``/metrics`` (Prometheus text): requests,
errors, requests in flight, and the latency and rows-per-request histograms, summed over the
model's routes and statuses, and the rows of each batch the batcher merged (when it batches).
Cumulative, as Prometheus keeps them: the UI turns successive readings into rates and
percentiles."""

from __future__ import annotations

from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

MAX_METRICS_BYTES = 4 * 1024 * 1024
"""The most of a ``/metrics`` answer read (a model server's is a few kB)."""


async def read_counts(client: httpx.AsyncClient, url: str, model: str) -> dict[str, Any] | None:
    """``model``'s counts read from the server at ``url`` (its ``/metrics``), or None when it
    does not answer there (starting, gone, or not a model server)."""
    try:
        async with client.stream("GET", url + "/metrics") as found:
            if found.status_code != 200:
                return None
            body = bytearray()
            async for chunk in found.aiter_bytes():
                body += chunk
                if len(body) > MAX_METRICS_BYTES:
                    return None
    except httpx.HTTPError:
        return None
    return model_counts(body.decode(errors="replace"), model)


def model_counts(text: str, model: str) -> dict[str, Any]:
    """``{"requests", "errors", "in_flight", "latency_buckets", "rows_buckets",
    "batch_buckets"}`` of ``model`` (buckets: ``[upper bound, cumulative count]``, the last bound
    ``inf``) in ``text``; ``batch_buckets`` is None when the model's requests are not batched."""
    totals = {"requests": 0.0, "errors": 0.0, "in_flight": 0.0}
    buckets: dict[str, dict[float, float]] = {"latency": {}, "rows": {}, "batch": {}}
    batched = False
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "modelport_requests_in_flight":
                totals["in_flight"] = sample.value
            if sample.name == "modelport_batch_rows_bucket" and sample.labels["name"] == model:
                batched = True  # the batcher's metrics name the model by ``name``
                _add(buckets["batch"], sample.labels["le"], sample.value)
            if sample.labels.get("model") != model:
                continue  # health checks and scrapes carry no model
            if sample.name == "modelport_requests_total":
                totals["requests"] += sample.value
            elif sample.name == "modelport_errors_total":
                totals["errors"] += sample.value
            elif sample.name == "modelport_request_duration_seconds_bucket":
                _add(buckets["latency"], sample.labels["le"], sample.value)
            elif sample.name == "modelport_request_rows_bucket":
                _add(buckets["rows"], sample.labels["le"], sample.value)
    return {
        **totals,
        "latency_buckets": _listed(buckets["latency"]),
        "rows_buckets": _listed(buckets["rows"]),
        "batch_buckets": _listed(buckets["batch"]) if batched else None,
    }


def _add(into: dict[float, float], bound: str, count: float) -> None:
    upper = float(bound)
    into[upper] = into.get(upper, 0.0) + count


def _listed(found: dict[float, float]) -> list[list[float | str]]:
    return [["inf" if b == float("inf") else b, found[b]] for b in sorted(found)]
