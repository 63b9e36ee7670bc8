"""A Truss whose ``is_healthy()`` raises is not ready, and readiness names what it raised."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from modelport.serving.app import create_app
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime

from ..servers import running


def test_readiness_names_what_is_healthy_raised(runtime_of: Callable[..., ModelRuntime]) -> None:
    runtime = runtime_of("custom")
    with running(create_app(ModelSet([runtime]))) as base:
        httpx.post(f"{base}/v1/models/truss-custom:predict", json={"healthy": "raise"})
        answer = httpx.get(f"{base}/v1/models/truss-custom")
        httpx.post(f"{base}/v1/models/truss-custom:predict", json={"healthy": True})
    assert answer.status_code == 503
    assert "is_healthy() raised ValueError" in answer.json()["error"]
