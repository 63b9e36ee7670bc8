"""Models that crash, hang or leak, served by real server processes (a pool of workers, or one
process) on loopback ports, stopped with real signals; each server's address space is capped
(RLIMIT_AS) so a leak can never endanger the machine.

A dead worker's in-flight request gets a 500 problem, and the worker is back within 2 seconds
while the other keeps answering; a worker holding a call
past its timeout, or past ``--max-worker-memory``, is recycled; a predict hung on the event loop
is moved off it so liveness answers; readiness turns false while the only worker is stuck;
SIGTERM drains and exits 0 within the grace period, even with a call hung for good."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from modelport.testing.server import free_port

MEMORY_CAP = 3 * 1024**3
"""Each server process's address space: room for a worker and a leak, far from the machine's."""
ROOT = Path(__file__).resolve().parents[2]

SERVER = """
import json
import resource
import sys

resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[2]), int(sys.argv[2])))
sys.path.insert(0, sys.argv[3])

from modelport.formats.native.python_model import PythonModelServable
from modelport.serving.conventions import Services
from modelport.serving.launch import Served, ServeOptions, serve
from tests.integration.models_for_tests import Faults

model = Faults()
servable = PythonModelServable(model, name="faults", signature=model.schema())
options = ServeOptions(host="127.0.0.1", port=int(sys.argv[1]), **json.loads(sys.argv[4]))
serve([Served(servable, 1)], options, Services())
"""


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def predict(self, fault: int, amount: float = 0.0, *, timeout: float = 10) -> httpx.Response:
        row = {"x": float(fault), "y": float(amount)}
        return httpx.post(f"{self.url}/v1/models/faults/predict", json=[row], timeout=timeout)

    def workers(self) -> set[int]:
        """The supervisor's worker processes now."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return {int(child) for child in children}

    def wait_for(self, text: str, timeout: float = 10) -> float:
        """Seconds until ``text`` appears in the server's log."""
        started = time.monotonic()
        while text not in self.output():
            assert time.monotonic() - started < timeout, f"no {text!r} in:\n{self.output()}"
            time.sleep(0.02)
        return time.monotonic() - started

    def stop(self, timeout: float) -> tuple[int, float]:
        """SIGTERM; the exit code and how long it took."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        return code, time.monotonic() - started


def _get(url: str) -> int | None:
    try:
        return httpx.get(url, timeout=2).status_code
    except httpx.TransportError:
        return None


@pytest.fixture(scope="module")
def script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pool") / "serve_faults.py"
    path.write_text(SERVER)
    return path


def _start(script: Path, log_dir: Path, wait: bool = True, **options: object) -> Server:
    port = free_port()
    init_seconds = options.pop("init_seconds", 0)
    log = log_dir / f"server-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                str(script),
                str(port),
                str(MEMORY_CAP),
                str(ROOT),
                json.dumps(options),
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "FAULTS_INIT_SECONDS": str(init_seconds)},
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    if not wait:
        return server
    deadline = time.monotonic() + 60
    while _get(f"{server.url}/v2/health/ready") != 200:
        assert process.poll() is None, server.output()
        assert time.monotonic() < deadline, server.output()
        time.sleep(0.05)
    return server


@pytest.fixture(scope="module")
def pool(script: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Two workers, a 4 s timeout, a 3 s grace period, workers recycled past 400 MiB."""
    options = {
        "workers": 2,
        "timeout": 4.0,
        "graceful_timeout": 3.0,
        "max_worker_memory": 400 * 2**20,
    }
    server = _start(script, tmp_path_factory.mktemp("pool-log"), **options)
    yield server
    if server.process.poll() is None:
        server.process.kill()
        server.process.wait()


def _replaced_within(server: Server, fault: int, signature: str) -> float:
    """Send ``fault``: it gets a 500 naming the cause; seconds until the pool has two workers
    again, the dead one gone. Requests on new connections keep succeeding meanwhile."""
    before = server.workers()
    assert len(before) == 2
    sent = time.monotonic()
    answer = server.predict(fault)  # answered by the supervisor, for the dead worker
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"
    assert signature in answer.json()["detail"]
    server.wait_for(signature)
    answers: list[httpx.Response] = []
    meanwhile = threading.Thread(  # while the new worker starts
        target=lambda: answers.extend(server.predict(0, 1.0) for _ in range(5))
    )
    meanwhile.start()
    while True:
        now = server.workers()
        if len(now) == 2 and not before >= now:
            back = time.monotonic() - sent
            break
        assert time.monotonic() - sent < 5, server.output()
        time.sleep(0.01)
    meanwhile.join()
    assert [answer.json() for answer in answers] == [[{"sum": 1.0}]] * 5
    assert _get(f"{server.url}/v2/health/ready") == 200
    return back


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fault", "signature"),
    [(1, "exited with code 3"), (2, "killed by SIGSEGV")],
    ids=["os._exit", "segfault"],
)
def test_a_dead_worker_is_replaced_within_2s_while_the_other_serves(
    pool: Server, fault: int, signature: str
) -> None:
    assert _replaced_within(pool, fault, signature) < 2.0
    output = pool.output()
    assert "a new worker replaces it" in output
    if fault == 2:
        assert "Fatal Python error: Segmentation fault" in output  # faulthandler's trace
        assert "in predict" in output


@pytest.mark.slow
def test_an_oom_killed_worker_is_replaced(pool: Server) -> None:
    victim = min(pool.workers())
    sent = time.monotonic()
    os.kill(victim, signal.SIGKILL)  # as the kernel's out-of-memory killer does
    pool.wait_for(f"worker pid {victim} died: killed by SIGKILL")
    while len(pool.workers()) != 2 or victim in pool.workers():
        assert time.monotonic() - sent < 2.0, pool.output()
        time.sleep(0.01)
    assert pool.predict(0, 2.0).json() == [{"sum": 2.0}]


@pytest.mark.slow
def test_a_raising_model_answers_500_and_every_worker_stays(pool: Server) -> None:
    before = pool.workers()
    answer = pool.predict(6)
    assert answer.status_code == 500
    assert "the model is broken today" in answer.json()["detail"]
    assert pool.workers() == before


@pytest.mark.slow
def test_a_timed_out_call_gets_504_and_its_worker_is_recycled(pool: Server) -> None:
    before = pool.workers()
    answer = pool.predict(3, 600)  # sleeps for good, in a thread of one worker
    assert answer.status_code == 504
    pool.wait_for("call(s) still running past the timeout")
    pool.wait_for("recycled (", timeout=10)  # drained, then gone
    assert len(pool.workers()) == 2 and pool.workers() != before
    assert _get(f"{pool.url}/v2/health/ready") == 200


@pytest.mark.slow
def test_a_worker_past_max_worker_memory_is_recycled_after_its_requests(pool: Server) -> None:
    before = pool.workers()
    answer = pool.predict(5, 400)  # keeps 400 MiB: past the pool's 400 MiB
    assert answer.json() == [{"sum": 405.0}]  # the request that grew it is answered
    pool.wait_for("is over --max-worker-memory")
    while pool.workers() & before == before:
        time.sleep(0.05)
    assert pool.predict(0, 3.0).json() == [{"sum": 3.0}]


@pytest.mark.slow
def test_sigterm_drains_every_worker_and_exits_0(script: Path, tmp_path: Path) -> None:
    server = _start(script, tmp_path, workers=2, graceful_timeout=5.0)
    answers: list[httpx.Response] = []
    slow = threading.Thread(target=lambda: answers.append(server.predict(3, 1.5)))
    slow.start()
    time.sleep(0.5)
    code, took = server.stop(timeout=20)
    slow.join()
    assert code == 0
    assert answers[0].json() == [{"sum": 4.5}]  # in flight at SIGTERM, answered
    assert took < 5.0 + 2.0
    assert "stopping: draining 2 worker(s)" in server.output()


@pytest.mark.slow
def test_sigterm_with_a_call_hung_for_good_exits_within_the_grace_period(
    script: Path, tmp_path: Path
) -> None:
    """A worker spinning in Python, no timeout: its request cannot finish, so the worker stops
    at the grace period, leaving the spinning thread behind; its request gets a 500 (uvicorn's,
    as it cancels the request at the grace period)."""
    server = _start(script, tmp_path, workers=2, timeout=None, graceful_timeout=2.0)
    answers: list[httpx.Response] = []
    hung = threading.Thread(target=lambda: answers.append(server.predict(4, 600, timeout=30)))
    hung.start()
    time.sleep(0.5)
    code, took = server.stop(timeout=20)
    hung.join()
    assert code == 0
    assert took < 2.0 + 3.0
    assert answers[0].status_code == 500


@pytest.mark.slow
def test_one_process_watchdog_frees_the_loop_and_readiness_follows_stuck_calls(
    script: Path, tmp_path: Path
) -> None:
    """``--workers 1``: after enough quick calls, one-row predicts run on the event loop; one
    that hangs there is interrupted and moved to the pool, so liveness answers meanwhile; past
    its timeout it answers 504, readiness turns false while its thread is stuck, and SIGTERM
    exits at once all the same."""
    server = _start(script, tmp_path, workers=1, timeout=3.0, graceful_timeout=2.0)
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for _ in range(80):  # timed in the pool, then on the loop
            assert (
                client.post("/v1/models/faults/predict", json=[{"x": 0, "y": 1}]).status_code == 200
            )
    answers: list[httpx.Response] = []
    hung = threading.Thread(target=lambda: answers.append(server.predict(3, 600, timeout=30)))
    hung.start()
    time.sleep(1.0)  # past the watchdog's budget
    started = time.monotonic()
    assert _get(f"{server.url}/v2/health/live") == 200
    assert time.monotonic() - started < 1.0
    hung.join()
    assert answers[0].status_code == 504
    assert "held the event loop" in server.output()
    assert _get(f"{server.url}/v2/health/ready") == 503  # its only thread is stuck
    assert _get(f"{server.url}/v2/health/live") == 200
    assert server.predict(0, 4.0).json() == [{"sum": 4.0}]  # other threads still predict
    code, took = server.stop(timeout=20)
    assert code == 0
    assert took < 2.0 + 2.0


@pytest.mark.slow
def test_while_the_pool_loads_liveness_answers_and_sigterm_exits_0(
    script: Path, tmp_path: Path
) -> None:
    server = _start(script, tmp_path, wait=False, workers=2, init_seconds=30)
    deadline = time.monotonic() + 60
    while _get(f"{server.url}/v2/health/live") != 200:
        assert server.process.poll() is None and time.monotonic() < deadline, server.output()
        time.sleep(0.05)
    assert _get(f"{server.url}/v2/health/ready") == 503
    loading = server.predict(0, 1.0)
    assert loading.status_code == 503
    assert loading.headers["retry-after"] == "1"
    assert "loading" in loading.json()["detail"]
    assert server.workers() == set()  # forked only once the model has loaded
    code, took = server.stop(timeout=20)
    assert code == 0
    assert took < 5


@pytest.mark.slow
def test_every_request_in_flight_on_a_dying_worker_gets_a_500(script: Path, tmp_path: Path) -> None:
    """A pool of one worker (a memory bound makes one): a slow request is in flight when another
    request crashes the worker; both get the supervisor's 500, an idle kept-alive connection is
    closed, and the new worker answers."""
    server = _start(script, tmp_path, workers=1, max_worker_memory=2**40, graceful_timeout=2.0)
    with httpx.Client(base_url=server.url, timeout=10) as idle:
        assert idle.get("/v2/health/live").status_code == 200  # kept alive, then idle
        slow: list[httpx.Response] = []
        thread = threading.Thread(target=lambda: slow.append(server.predict(3, 5.0)))
        thread.start()
        time.sleep(0.5)
        crashed = server.predict(2)
        thread.join()
        assert crashed.status_code == 500 and slow[0].status_code == 500
        assert "killed by SIGSEGV" in slow[0].json()["detail"]
        server.wait_for("answered 2 request(s) of worker pid")
        assert idle.get("/v2/health/live").status_code == 200  # on a new connection
    assert server.predict(0, 5.0).json() == [{"sum": 5.0}]
    code, _ = server.stop(timeout=20)
    assert code == 0


@pytest.mark.slow
def test_a_worker_held_in_c_code_past_the_timeout_is_killed_and_its_request_answered(
    script: Path, tmp_path: Path
) -> None:
    """Backtracking in C holds the GIL: the worker's loop stops, the watchdog cannot interrupt
    and SIGTERM cannot be handled. Readiness stays true (the other worker), the supervisor
    recycles the silent worker after the timeout and kills it after the grace period, and the
    request gets the supervisor's 500."""
    server = _start(script, tmp_path, workers=2, timeout=1.5, graceful_timeout=1.0)
    answers: list[httpx.Response] = []
    hung = threading.Thread(target=lambda: answers.append(server.predict(7, 60, timeout=30)))
    hung.start()
    server.wait_for("held its event loop")
    assert _get(f"{server.url}/v2/health/ready") == 200
    assert server.predict(0, 6.0).json() == [{"sum": 6.0}]
    hung.join()
    assert answers[0].status_code == 500
    assert "killed by SIGKILL" in answers[0].json()["detail"]
    server.wait_for("recycled (a model call has held")
    code, _ = server.stop(timeout=20)
    assert code == 0


def test_a_pool_stopped_and_continued_recycles_no_worker(script: Path, tmp_path: Path) -> None:
    """SIGSTOP of the whole pool (Ctrl-Z, a frozen container) for longer than the timeout: its
    workers could not beat meanwhile, and that silence is no hang. Continued (the supervisor
    first, the worst order), the same workers keep serving."""
    server = _start(script, tmp_path, workers=2, timeout=1.0)
    workers = server.workers()
    assert len(workers) == 2
    pool = [server.process.pid, *workers]
    for pid in pool:
        os.kill(pid, signal.SIGSTOP)
    time.sleep(3.0)
    os.kill(server.process.pid, signal.SIGCONT)
    time.sleep(0.3)  # the supervisor looks at workers still stopped
    for pid in workers:
        os.kill(pid, signal.SIGCONT)
    time.sleep(2.0)
    assert server.predict(0, 2.0).json() == [{"sum": 2.0}]
    assert server.workers() == workers, server.output()
    assert "recycled" not in server.output()
    code, _ = server.stop(timeout=20)
    assert code == 0
