"""Driving wrk: one POST body per run, percentiles printed as JSON by a Lua ``done`` hook."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import grpc_client
from servers import CLOCK_TICKS, RunningServer
from spec import Route

SCRIPT = """\
local request_bytes
function init(args)
  local file = assert(io.open(args[1], "rb"))
  local body = file:read("*a")
  file:close()
  request_bytes = wrk.format("POST", nil, {["Content-Type"] = args[2], ["Accept"] = args[3]}, body)
end
function request()
  return request_bytes
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"status_errors":%d,"timeouts":%d,"mean_us":%.1f,"p50_us":%d,' ..
    '"p99_us":%d,"max_us":%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(99), latency.max))
end
"""


@dataclass(frozen=True)
class Pass:
    """One wrk run against one server: throughput, latency, errors and CPU used on each side."""

    rps: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    errors: int
    server_cpu_pct: float  # of one core; 200 is both cores
    wrk_cpu_pct: float
    other_cpu_pct: float  # the rest of the machine: other users' work during the run
    error_kinds: dict[str, int] = field(default_factory=dict)  # wrk's kinds with a count
    # run-queue wait of the server's threads summed, % of the run (100: one thread waiting
    # all the time on average): the rest of the machine keeping the server from a CPU
    server_wait_pct: float | None = None

    def little(self, connections: int) -> float:
        """Little's law check: mean latency x throughput / connections, about 1 when consistent."""
        return self.mean_ms / 1000 * self.rps / connections


def wrk_binary() -> str | None:
    """Path of wrk, if installed."""
    return shutil.which("wrk")


def wrk_version() -> str:
    """wrk's version line (wrk prints it on -v, exiting 1)."""
    binary = wrk_binary()
    if binary is None:
        return "not installed"
    done = subprocess.run([binary, "-v"], capture_output=True, text=True, check=False)
    return (done.stdout + done.stderr).strip().splitlines()[0]


def write_script(folder: Path) -> Path:
    """Write the Lua script wrk runs; return its path."""
    path = folder / "post.lua"
    path.write_text(SCRIPT)
    return path


def run_wrk(
    server: RunningServer,
    route: Route,
    body_path: Path,
    script: Path,
    *,
    connections: int,
    seconds: float,
    timeout: float = 10.0,
) -> Pass:
    """Load ``route`` over ``connections`` kept-alive connections for ``seconds``, one thread;
    a request unanswered after ``timeout`` seconds counts as an error."""
    binary = wrk_binary()
    assert binary is not None, "wrk is checked for before measuring"
    url = f"http://127.0.0.1:{server.spec.port}{route.path}"
    command = [binary, "-t1", f"-c{connections}", f"-d{seconds:g}s", "--timeout", f"{timeout:g}s"]
    command += ["-s", str(script), url, "--", str(body_path), route.content_type, route.accept]
    busy_before, cpu_before, wait_before, wall_before = (
        _busy_seconds(),
        server.cpu_seconds(),
        server.waiting_seconds(),
        time.perf_counter(),
    )
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdout is not None
    output = process.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - wall_before
    server_wait = server.waiting_seconds() - wait_before
    server_cpu = server.cpu_seconds() - cpu_before
    busy = _busy_seconds() - busy_before
    wrk_cpu = usage.ru_utime + usage.ru_stime
    line = next((x for x in output.splitlines() if x.startswith("WRKJSON ")), None)
    if process.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({process.returncode}): {output[-400:]}")
    stats = json.loads(line.removeprefix("WRKJSON "))
    kinds = ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
    error_kinds = {kind.removesuffix("_errors"): stats[kind] for kind in kinds if stats[kind]}
    wait_until_idle(server)
    return Pass(
        rps=stats["requests"] / (stats["duration_us"] / 1e6),
        p50_ms=stats["p50_us"] / 1000,
        p99_ms=stats["p99_us"] / 1000,
        mean_ms=stats["mean_us"] / 1000,
        errors=sum(error_kinds.values()),
        server_cpu_pct=100 * server_cpu / wall,
        wrk_cpu_pct=100 * wrk_cpu / wall,
        other_cpu_pct=max(0.0, 100 * (busy - server_cpu - wrk_cpu) / wall),
        error_kinds=error_kinds,
        server_wait_pct=100 * server_wait / wall,
    )


def run_grpc(
    server: RunningServer,
    port: int,
    layout: str,
    scratch: Path,
    *,
    connections: int,
    seconds: float,
    streams: int = 1,
) -> Pass:
    """Load the server's Open Inference V2 gRPC endpoint with h2load (``grpc_client.py``:
    single-row ``ModelInfer``, ``connections`` connections each with ``streams`` calls at once,
    ``seconds``; its body and per-call log in ``scratch``), CPU counted as :func:`run_wrk` does."""
    address = f"127.0.0.1:{port}"
    size = grpc_client.answer_size(address, "iris-svc", layout)
    body, log = scratch / f"grpc-{layout}.body", scratch / "h2load-calls.log"
    body.write_bytes(grpc_client.framed(grpc_client.request("iris-svc", layout)))
    log.unlink(missing_ok=True)  # h2load appends to it
    command = grpc_client.h2load_command(
        address, body, log, connections=connections, streams=streams, seconds=seconds
    )
    busy_before, cpu_before, wait_before, wall_before = (
        _busy_seconds(),
        server.cpu_seconds(),
        server.waiting_seconds(),
        time.perf_counter(),
    )
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdout is not None
    output = process.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - wall_before
    server_wait = server.waiting_seconds() - wait_before
    server_cpu = server.cpu_seconds() - cpu_before
    busy = _busy_seconds() - busy_before
    client_cpu = usage.ru_utime + usage.ru_stime
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"h2load failed: {output[-400:]}")
    stats = grpc_client.figures(output, log, size)
    wait_until_idle(server)
    return Pass(
        rps=stats["rps"],
        p50_ms=stats["p50_ms"],
        p99_ms=stats["p99_ms"],
        mean_ms=stats["mean_ms"],
        errors=int(stats["errors"]),
        server_cpu_pct=100 * server_cpu / wall,
        wrk_cpu_pct=100 * client_cpu / wall,
        other_cpu_pct=max(0.0, 100 * (busy - server_cpu - client_cpu) / wall),
        server_wait_pct=100 * server_wait / wall,
    )


SETTLE_WINDOW = 0.1
"""Seconds over which a server counts as idle when it used at most one clock tick of CPU and
its threads waited for a CPU no more than ``SETTLE_WAIT`` (a starved server uses none either)."""
SETTLE_WAIT = 0.01
"""Seconds of waiting for a CPU, summed over the server's threads, that a window may hold."""
SETTLE_LIMIT = 3.0
"""The longest a load waits for its server to go idle (one that polls may never look idle)."""


def wait_until_idle(server: RunningServer, limit: float = SETTLE_LIMIT) -> bool:
    """Wait until ``server`` has answered what a load left it: the requests sent before the
    client stopped, answered to closed connections after it. Without this the next load starts
    behind them (a c=64 load of 1,000-row bodies leaves up to 64, a tenth of a second here),
    its first latencies count the wait and its CPU counts the work. True once idle, False when
    ``limit`` passed first. A window in which a process of the tree ended (its CPU leaves the
    sum) does not count as idle."""
    deadline = time.monotonic() + limit
    used, waited = server.cpu_seconds(), server.waiting_seconds()
    while time.monotonic() < deadline:
        time.sleep(SETTLE_WINDOW)
        before, waited_before = used, waited
        used, waited = server.cpu_seconds(), server.waiting_seconds()
        if 0 <= used - before <= 1 / CLOCK_TICKS and waited - waited_before <= SETTLE_WAIT:
            return True
    return False


def _busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (not idle or waiting), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")
