"""Model faults against a worker pool: a model that raises, hangs past ``--timeout``, calls
``os._exit``, segfaults, leaks past ``--max-worker-memory``, or is killed by the kernel's
out-of-memory killer (its server held in a memory cgroup), each a few times in a row. Measures
what each faulting request gets, how long until the pool has its two workers again, and whether
the server ever stopped answering (liveness probed every 50 ms throughout); then SIGTERM.

    python benchmarks/model_faults.py [--repeat 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
from memory_cap import MemoryCap

from modelport.testing.server import HOST, ServerProcess, free_port

ROOT = Path(__file__).resolve().parents[1]
CGROUP_LIMIT = 1536 * 1024**2
"""The server's cgroup: room for two workers, not for the 2 GiB the OOM fault asks for."""
OPTIONS = {"workers": 2, "timeout": 4.0, "graceful_timeout": 3.0, "max_worker_memory": 200 * 2**20}
OOM_OPTIONS = {"workers": 2, "timeout": 60.0, "graceful_timeout": 3.0}
"""No --max-worker-memory (it would recycle the worker as it grows), and time for the kernel:
first touching memory is slow on a virtual machine (about 200 MB/s here)."""
SERVER = """
import json
import sys

sys.path.insert(0, sys.argv[2])

from modelport.formats.native.python_model import PythonModelServable
from modelport.serving.conventions import Services
from modelport.serving.launch import Served, ServeOptions, serve
from tests.integration.models_for_tests import Faults

model = Faults()
servable = PythonModelServable(model, name="faults", signature=model.schema())
options = ServeOptions(host="127.0.0.1", port=int(sys.argv[1]), **json.loads(sys.argv[3]))
serve([Served(servable, 1)], options, Services())
"""
FAULTS = {  # name: (the Faults model's x and y, the status its request gets)
    "raise": (6, 0.0, 500),
    "hang": (3, 600.0, 504),
    "os._exit": (1, 0.0, 500),
    "segfault": (2, 0.0, 500),
    "leak": (5, 250.0, 200),
    "OOM kill": (5, 2048.0, 500),
}
REPLACED = {"raise": False}  # every other fault ends with its worker replaced


@dataclass
class FaultFigures:
    fault: str
    statuses: list[int] = field(default_factory=list)
    back_seconds: list[float] = field(default_factory=list)  # answered -> two workers again
    after_ok: int = 0  # requests answered 200 right after each fault
    expected_status: int = 0
    oom_kills: int = 0  # the kernel's, in the server's cgroup, during these faults


@dataclass
class Figures:
    cap: str
    faults: list[FaultFigures]
    liveness_probes: int
    liveness_failed: int  # probes not answered 200 within 2 s: the server was down
    liveness_failed_during: dict[str, int]  # by the fault being sent then, and why
    sigterm_exit: int | None
    sigterm_seconds: float

    @property
    def passed(self) -> bool:
        return (
            self.liveness_failed == 0
            and self.sigterm_exit == 0
            and all(
                set(f.statuses) == {f.expected_status}
                and f.after_ok == len(f.statuses)
                and all(s < 2.0 for s in f.back_seconds)
                and (len(f.back_seconds) == len(f.statuses)) == REPLACED.get(f.fault, True)
                and (f.fault != "OOM kill" or f.oom_kills == len(f.statuses))
                for f in self.faults
            )
        )


class Prober:
    """GET /v2/health/live every 50 ms on a thread, counting answers other than 200 (and
    probes not answered within 2 s)."""

    def __init__(self, url: str) -> None:
        self.url, self.probes, self.failed = url, 0, 0
        self.during = ""  # the fault being sent now
        self.failed_during: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.probes += 1
            try:  # a new connection each time, as a load balancer's health check
                status = httpx.get(f"{self.url}/v2/health/live", timeout=2).status_code
                why = "" if status == 200 else f"HTTP {status}"
            except httpx.TransportError as error:
                why = type(error).__name__
            if why:
                self.failed += 1
                key = f"{self.during}, {why}"
                self.failed_during[key] = self.failed_during.get(key, 0) + 1

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _workers(pid: int) -> set[int]:
    return {int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


def _predict(url: str, x: float, y: float) -> int:
    """The status of one request (0: no answer within 120 s, or none at all)."""
    row = [{"x": x, "y": y}]
    try:
        return httpx.post(f"{url}/v1/models/faults/predict", json=row, timeout=120).status_code
    except httpx.TransportError:
        return 0


def _one(server: ServerProcess, x: float, y: float) -> tuple[int, float | None]:
    """Send one fault; its status and the seconds from its answer until the pool has as many
    workers as before, the faulted one replaced (None: none was within 30 s)."""
    pid = server.process.pid
    before = _workers(pid)
    status = _predict(server.url, x, y)
    answered = time.monotonic()
    while time.monotonic() - answered < 30:
        now = _workers(pid)
        if len(now) == len(before) and now != before:
            return status, round(time.monotonic() - answered, 3)
        if x == 6 and time.monotonic() - answered > 1:  # a raise keeps its worker
            return status, None
        time.sleep(0.005)
    return status, None


def run(log_dir: Path, *, repeat: int, cgroups: bool = True) -> Figures:
    """Every fault ``repeat`` times: the out-of-memory kill on a server of its own without
    ``--max-worker-memory`` (which would recycle the worker while it grows), the rest on one
    with it."""
    script = log_dir / "serve_faults.py"
    script.write_text(SERVER)
    found: list[FaultFigures] = []
    probes = failed = 0
    failed_during: dict[str, int] = {}
    exits: list[int | None] = []
    took = 0.0
    with MemoryCap.make(CGROUP_LIMIT, cgroups=cgroups) as cap:
        for options, names in _phases(oom=cap.group is not None):
            server = _start(script, log_dir, options, cap)
            try:
                prober = Prober(server.url)
                for name in names:
                    kills_before = cap.oom_kills()
                    prober.during = name
                    found.append(_repeat(server, name, repeat))
                    found[-1].oom_kills = cap.oom_kills() - kills_before
                prober.stop()
                probes, failed = probes + prober.probes, failed + prober.failed
                failed_during |= prober.failed_during
                started = time.monotonic()
                server.process.send_signal(signal.SIGTERM)
                try:
                    exits.append(server.process.wait(timeout=30))
                except subprocess.TimeoutExpired:
                    exits.append(None)
                took = max(took, time.monotonic() - started)
            finally:
                server.stop()
        description = cap.describe()
    code = None if None in exits else max(c for c in exits if c is not None)
    return Figures(description, found, probes, failed, failed_during, code, round(took, 2))


def _phases(*, oom: bool) -> list[tuple[dict[str, object], list[str]]]:
    """The servers to start and the faults each gets; no OOM kill without a cgroup (with
    RLIMIT_AS the allocation fails instead: a raise again)."""
    others = [name for name in FAULTS if name != "OOM kill"]
    phases = [(OPTIONS, others)]
    if oom:
        phases.append((OOM_OPTIONS, ["OOM kill"]))
    return phases


def _start(
    script: Path, log_dir: Path, options: dict[str, object], cap: MemoryCap
) -> ServerProcess:
    port = free_port()
    log = log_dir / f"faults-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, str(script), str(port), str(ROOT), json.dumps(options)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=cap.enter,
        )
    server = ServerProcess(url=f"http://{HOST}:{port}", model="faults", process=process, log=log)
    try:
        server.wait_ready(timeout=120)
    except BaseException:
        server.stop()
        raise
    return server


def _repeat(server: ServerProcess, name: str, repeat: int) -> FaultFigures:
    x, y, expected = FAULTS[name]
    figures = FaultFigures(name, expected_status=expected)
    for _ in range(repeat):
        status, back = _one(server, x, y)
        figures.statuses.append(status)
        if back is not None:
            figures.back_seconds.append(back)
        figures.after_ok += _predict(server.url, 0, 1) == 200
    return figures


def summary(figures: Figures) -> str:
    lines = [f"model faults, 2 workers, in {figures.cap}:"]
    for fault in figures.faults:
        back = (
            f"back in {min(fault.back_seconds):.2f} to {max(fault.back_seconds):.2f} s"
            if fault.back_seconds
            else "no worker replaced"
        )
        statuses = "/".join(str(s) for s in sorted(set(fault.statuses)))
        if fault.oom_kills:
            statuses += f" ({fault.oom_kills} kernel OOM kills)"
        lines.append(
            f"  {fault.fault} x{len(fault.statuses)}: answered {statuses}, {back}, "
            f"{fault.after_ok} of {len(fault.statuses)} next requests 200"
        )
    during = ", ".join(f"{n} during {fault}" for fault, n in figures.liveness_failed_during.items())
    lines.append(
        f"  liveness: {figures.liveness_failed} of {figures.liveness_probes} probes failed"
        f"{f' ({during})' if during else ''}; "
        f"SIGTERM exit {figures.sigterm_exit} in {figures.sigterm_seconds:g} s"
    )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="of each fault")
    parser.add_argument("--no-cgroup", action="store_true", help="bound with RLIMIT_AS only")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="model-faults-") as folder:
        figures = run(Path(folder), repeat=args.repeat, cgroups=not args.no_cgroup)
    print(
        json.dumps(asdict(figures) | {"passed": figures.passed}) if args.json else summary(figures)
    )
    return 0 if figures.passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
