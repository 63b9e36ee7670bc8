"""``model.workDir`` is the working directory of every call into the entrypoint, not only of
its import: two served Odahu models that open ``rate.txt`` relative to it each read their own,
also when their requests interleave."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from modelport.registry.uris import open_store
from modelport.serving.app import create_app
from modelport.serving.loader import load_artifact
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime
from modelport.settings import Settings
from modelport.testing import serve_app


@pytest.fixture(scope="module")
def rates(odahu_home: Path, rates_built: list[str]) -> Iterator[httpx.Client]:
    """Both models in one server (in the process running the tests) on a real socket: the
    interleaved requests come concurrently over several connections."""
    settings = Settings(home=odahu_home)
    store = open_store(None, settings=settings)
    runtimes = []
    for name in rates_built:
        version = store.resolve(f"{name}:1")
        loaded = load_artifact(store.artifact_path(version), settings=settings, version=1)
        runtime = ModelRuntime(loaded.servable, version=1)
        runtime.load()
        runtimes.append(runtime)
    with (
        serve_app(create_app(ModelSet(runtimes))) as base,
        httpx.Client(base_url=base, timeout=30) as client,
    ):
        yield client


def _rate(client: httpx.Client, name: str, amount: float) -> list[float]:
    answer = client.post(f"/v1/models/{name}/predict", json=[{"amount": amount}])
    assert answer.status_code == 200, answer.text
    return [answer.json()[0]["amount"], answer.json()[0]["rate"]]


def test_predictions_read_files_relative_to_work_dir(rates: httpx.Client) -> None:
    assert _rate(rates, "rates-two", 5) == [10.0, 2.0]
    assert _rate(rates, "rates-three", 5) == [15.0, 3.0]


def test_interleaved_requests_each_see_their_own_work_dir(rates: httpx.Client) -> None:
    names = ["rates-two", "rates-three"] * 20
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda name: _rate(rates, name, 1), names))
    expected = {"rates-two": [2.0, 2.0], "rates-three": [3.0, 3.0]}
    assert answers == [expected[name] for name in names]
