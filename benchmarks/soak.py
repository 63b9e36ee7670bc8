"""Soak: ``modelport serve`` (the default worker pool) under wrk at 64 connections, one-row
JSON on the native route, for ten minutes: errors, the resident memory of the server's whole
process tree after a warm-up and at the end, and p50/p99 latency.

    python benchmarks/soak.py [--seconds 600] [--warmup 30] [--connections 64] [--json]

Passes with 0 errors, RSS growth under 5% and p99 at most 5x p50. The machine's other load
during the run is printed too (CPU busy outside the server and wrk): on a shared machine it
moves the latencies.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
from echo_model import MODEL, ROW, Home
from load import Pass, run_wrk, write_script, wrk_binary
from payloads import AnswerKind, BodyKind
from servers import RunningServer
from spec import Route, ServerSpec

ROUTE = Route("native JSON", f"/v1/models/{MODEL}/predict", BodyKind.RECORDS, AnswerKind.RECORDS)
SAMPLE_SECONDS = 10.0


@dataclass
class Figures:
    seconds: float
    connections: int
    requests_per_second: float
    errors: int
    p50_ms: float
    p99_ms: float
    rss_start_mib: float  # after the warm-up
    rss_end_mib: float
    rss_max_mib: float  # highest sample during the run
    rss_samples_mib: list[float]
    server_cpu_pct: float
    other_cpu_pct: float  # the rest of the machine during the run

    @property
    def rss_growth(self) -> float:
        return self.rss_end_mib / self.rss_start_mib - 1

    @property
    def passed(self) -> bool:
        return self.errors == 0 and self.rss_growth < 0.05 and self.p99_ms <= 5 * self.p50_ms


def _serve(home: Home, port: int) -> RunningServer:
    command = home.command("serve", MODEL, "--env", "inherit", "--port", str(port))
    spec = ServerSpec(
        name="modelport",
        label="modelport serve (default worker pool)",
        command=tuple(command),
        port=port,
        routes=(ROUTE,),
        cwd=home.path,
        env=home.env(),
        modelport=True,
    )
    server = RunningServer(spec, home.path / "soak-server.log")
    deadline = time.monotonic() + 300
    while not _ready(port):
        if server.process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"the server did not start: {server.log_tail()}")
        time.sleep(0.2)
    return server


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/v2/health/ready", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def run(home: Home, *, seconds: float, warmup: float, connections: int) -> Figures:
    """Warm up, then load for ``seconds`` while sampling the tree's RSS."""
    from modelport.testing.server import free_port

    body = home.path / "one-row.json"
    body.write_bytes(json.dumps(ROW).encode())
    script = write_script(home.path)
    with _serve(home, free_port()) as server:
        run_wrk(server, ROUTE, body, script, connections=connections, seconds=warmup)
        start = server.rss_mib()
        samples: list[float] = []
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(SAMPLE_SECONDS):
                samples.append(round(server.rss_mib(), 1))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            load: Pass = run_wrk(
                server, ROUTE, body, script, connections=connections, seconds=seconds
            )
        finally:
            stop.set()
            sampler.join()
        end = server.rss_mib()
    return Figures(
        seconds=seconds,
        connections=connections,
        requests_per_second=round(load.rps, 1),
        errors=load.errors,
        p50_ms=round(load.p50_ms, 2),
        p99_ms=round(load.p99_ms, 2),
        rss_start_mib=round(start, 1),
        rss_end_mib=round(end, 1),
        rss_max_mib=max([start, end, *samples]),
        rss_samples_mib=samples,
        server_cpu_pct=round(load.server_cpu_pct, 1),
        other_cpu_pct=round(load.other_cpu_pct, 1),
    )


def summary(figures: Figures) -> str:
    return (
        f"{figures.seconds / 60:g} min at c={figures.connections}, one-row JSON: "
        f"{figures.requests_per_second:,.0f} req/s, {figures.errors} errors, RSS "
        f"{figures.rss_start_mib:.0f} -> {figures.rss_end_mib:.0f} MiB "
        f"({100 * figures.rss_growth:+.1f}%, max {figures.rss_max_mib:.0f}), p50 "
        f"{figures.p50_ms:.1f} ms, p99 {figures.p99_ms:.1f} ms "
        f"({figures.p99_ms / figures.p50_ms:.1f}x); other load {figures.other_cpu_pct:.0f}% "
        "of a core"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--warmup", type=float, default=30)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if wrk_binary() is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="soak-") as folder:
        home = Home(Path(folder))
        home.build_echo()
        figures = run(home, seconds=args.seconds, warmup=args.warmup, connections=args.connections)
    extra = {"rss_growth": round(figures.rss_growth, 4), "passed": figures.passed}
    print(json.dumps(asdict(figures) | extra) if args.json else summary(figures))
    return 0 if figures.passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
