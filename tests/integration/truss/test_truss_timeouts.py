"""``--timeout`` bounds each call into a Truss's code, as it did before the runtime seam: each
hook, and each chunk a synchronous generator yields (a hung stream is cut, not held). On a real
socket: what is measured is how long the server takes to answer."""

from __future__ import annotations

from collections.abc import Callable

from modelport.serving.runtime import ModelRuntime

from .conftest import serving_on_a_socket

TIMEOUT = 1.0


def _with_timeout(runtime: ModelRuntime) -> ModelRuntime:
    bounded = ModelRuntime(runtime.servable, version=runtime.version, timeout=TIMEOUT)
    bounded.load()
    return bounded


def test_each_hook_has_the_whole_timeout(runtime_of: Callable[..., ModelRuntime]) -> None:
    runtime = _with_timeout(runtime_of("slow_hooks", load=False))
    with serving_on_a_socket(runtime) as client:
        url = "/v1/models/truss-slow-hooks:predict"
        answer = client.post(url, json={"seconds": 0.6})  # 1.8 s in all
        assert (answer.status_code, answer.json()) == (200, {"done": True})
        slow = client.post(url, json={"seconds": 1.5})
    assert slow.status_code == 504
    assert f"within {TIMEOUT:g} s" in slow.json()["error"]


def test_a_chunk_that_does_not_come_in_time_ends_the_stream(
    runtime_of: Callable[..., ModelRuntime], tmp_path: object
) -> None:
    runtime = _with_timeout(runtime_of("stream_sync", load=False))
    gate = f"{tmp_path}/never-opened"
    with serving_on_a_socket(runtime) as client:
        answer = client.post(
            "/v1/models/truss-stream-sync:predict",
            json={"gate": gate},
            headers={"accept": "application/json"},
            timeout=60,
        )
    # without the timeout the model would give up waiting after 20 s and finish: 200
    assert answer.status_code == 504
    assert f"within {TIMEOUT:g} s" in answer.json()["error"]
