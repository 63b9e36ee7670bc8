"""A Truss whose ``is_healthy()`` raises is not ready, and readiness names what it raised."""

from __future__ import annotations

from collections.abc import Callable

from modelport.serving.runtime import ModelRuntime

from .conftest import serving


def test_readiness_names_what_is_healthy_raised(runtime_of: Callable[..., ModelRuntime]) -> None:
    runtime = runtime_of("custom")
    with serving(runtime) as client:
        client.post("/v1/models/truss-custom:predict", json={"healthy": "raise"})
        answer = client.get("/v1/models/truss-custom")
    assert answer.status_code == 503
    assert "is_healthy() raised ValueError" in answer.json()["error"]
