"""``make bench-workers``: what a second worker process buys, and what it costs in memory.

Serves the iris SVC (``models/iris_svc``, numpy batch, single JSON row) twice at once, with
``--workers 1`` and ``--workers 2``, and loads each in turns with wrk (one thread, 64 kept-alive
connections), round after round, so both figures come from the same minutes. Then reads each
worker's memory from ``/proc/PID/smaps_rollup``: the first worker's resident set (RSS), and the
unique set (USS: its private pages, what the process alone holds) of every other worker, which
is what each extra worker adds, since the model's pages are shared copy-on-write with the
supervisor. Writes its own section of docs/benchmarks.md (``make bench`` keeps it) and prints
the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import load
import payloads
import sections
import subject
import suite
from servers import RunningServer, worker_memory
from spec import Route, ServerSpec

BENCH = Path(__file__).resolve().parent
CACHE = BENCH / ".cache" / "workers"
HOME = CACHE / "modelport-home"
REPORT = BENCH.parent / "docs" / "benchmarks.md"
SECTION = "workers"
"""Its section of docs/benchmarks.md (``sections.py``), which ``make bench`` keeps."""
SERVERS = {
    "--workers 1": (18301, ("--workers", "1")),
    "--workers 2": (18302, ("--workers", "2")),
    "--workers 1 --max-worker-memory 64GiB": (
        18303,
        ("--workers", "1", "--max-worker-memory", "64GiB"),
    ),
}
"""Each server by its options: one process; a pool of two; a pool of one (the cost of the
supervisor's connection guard on each request, against one process)."""
ONE, TWO, POOL_OF_ONE = SERVERS
ROUTE = Route(
    "native JSON",
    "/v1/models/iris-svc/predict",
    payloads.BodyKind.RECORDS,
    payloads.AnswerKind.RECORDS,
    True,
)
TARGET_SPEEDUP, TARGET_MEMORY = 1.6, 0.15
BUSY_MACHINE_PCT = 25.0
"""Other work on the machine above this (% of one core) during a run is flagged."""


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmarks/workers.py", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="turns of each server (median)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--no-report", action="store_true", help="print only; leave the docs")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse(argv)
    if load.wrk_binary() is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    suite.say("building iris-svc (--env inherit) into a scratch MODELPORT_HOME")
    shutil.rmtree(HOME, ignore_errors=True)
    HOME.mkdir(parents=True)
    _build()
    payloads.write_bodies(CACHE / "bodies", (1,))
    script = load.write_script(CACHE)
    body_path = CACHE / "bodies" / payloads.body_name(ROUTE.body, 1)
    body = body_path.read_bytes()
    expected = [0]  # the single row is a setosa
    servers = {label: _start(label) for label in SERVERS}
    try:
        for running in servers.values():
            running.wait_first_answer(ROUTE, body, expected, limit=120)
        passes: dict[str, list[load.Pass]] = {label: [] for label in SERVERS}
        for round_number in range(args.rounds):
            for label, running in servers.items():
                suite.say(f"round {round_number + 1}: {label}, c={args.connections}")
                found = load.run_wrk(
                    running,
                    ROUTE,
                    body_path,
                    script,
                    connections=args.connections,
                    seconds=args.seconds,
                )
                passes[label].append(found)
        memory = worker_memory(servers[TWO])
    finally:
        for running in servers.values():
            running.stop()
    figures = _figures(passes, memory, args)
    print(json.dumps(figures, indent=2))
    if not args.no_report:
        text = REPORT.read_text() if REPORT.exists() else ""
        REPORT.write_text(sections.replace(text, SECTION, render(figures)))
        suite.say(f"wrote the workers section of {REPORT.relative_to(BENCH.parent)}")
    return 0


def _build() -> None:
    command = [str(subject.MODELPORT), "build", str(subject.PROJECTS["iris-svc"])]
    command += ["--name", "iris-svc", "--env", "inherit"]
    done = subprocess.run(
        command, env={**os.environ, "MODELPORT_HOME": str(HOME)}, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"modelport build failed:\n{done.stdout}\n{done.stderr}")


def _start(label: str) -> RunningServer:
    port, options = SERVERS[label]
    command = (str(subject.MODELPORT), "serve", "iris-svc", "--port", str(port))
    spec = ServerSpec(
        f"modelport-{port}",
        f"modelport {label}",
        (*command, *options),
        port,
        (ROUTE,),
        subject.ROOT,
        {"MODELPORT_HOME": str(HOME)},
        modelport=True,
    )
    CACHE.mkdir(parents=True, exist_ok=True)
    return RunningServer(spec, CACHE / f"server-{port}.log")


def _figures(
    passes: dict[str, list[load.Pass]], memory: dict[str, object], args: argparse.Namespace
) -> dict[str, object]:
    def median(values: list[float]) -> float:
        return statistics.median(values)

    by_server = {
        label: {
            "rps": median([p.rps for p in passes[label]]),
            "rps_each": [round(p.rps) for p in passes[label]],
            "p50_ms": median([p.p50_ms for p in passes[label]]),
            "p99_ms": median([p.p99_ms for p in passes[label]]),
            "errors": sum(p.errors for p in passes[label]),
            "server_cpu_pct": median([p.server_cpu_pct for p in passes[label]]),
            "wrk_cpu_pct": median([p.wrk_cpu_pct for p in passes[label]]),
            "other_cpu_pct": median([p.other_cpu_pct for p in passes[label]]),
            "requests_per_cpu_second": median(
                [100 * p.rps / p.server_cpu_pct for p in passes[label] if p.server_cpu_pct]
            ),
        }
        for label in SERVERS
    }
    workers = memory["workers"]
    assert isinstance(workers, list)
    first_rss = workers[0]["rss_mib"]
    extra = [worker["uss_mib"] / first_rss for worker in workers[1:]]
    return {
        "seconds": args.seconds,
        "rounds": args.rounds,
        "connections": args.connections,
        "cores": len(os.sched_getaffinity(0)),
        "servers": by_server,
        "speedup": by_server[TWO]["rps"] / by_server[ONE]["rps"],
        "pool_of_one_over_one_process": by_server[POOL_OF_ONE]["rps"] / by_server[ONE]["rps"],
        "pool_of_one_cpu_per_request_over_one_process": (
            by_server[ONE]["requests_per_cpu_second"]
            / by_server[POOL_OF_ONE]["requests_per_cpu_second"]
        ),
        "memory": memory,
        "extra_worker_uss_over_first_rss": max(extra) if extra else None,
        "python": sys.version.split()[0],
    }


def render(figures: dict[str, object]) -> str:
    """The section of docs/benchmarks.md, between its markers."""
    servers, memory = figures["servers"], figures["memory"]
    assert isinstance(servers, dict) and isinstance(memory, dict)
    speedup = figures["speedup"]
    guarded = figures["pool_of_one_over_one_process"]
    cpu_cost = figures["pool_of_one_cpu_per_request_over_one_process"]
    ratio = figures["extra_worker_uss_over_first_rss"]
    assert isinstance(speedup, float) and isinstance(ratio, float)
    assert isinstance(guarded, float) and isinstance(cpu_cost, float)
    busiest = max(f["other_cpu_pct"] for f in servers.values())
    rows = [
        f"| `{label}` | {int(f['rps']):,} ({', '.join(map(str, f['rps_each']))}) | "
        f"{f['p50_ms']:.1f} | {f['p99_ms']:.1f} | {f['errors']} | {f['server_cpu_pct']:.0f}% | "
        f"{f['wrk_cpu_pct']:.0f}% | {f['other_cpu_pct']:.0f}% | "
        f"{int(f['requests_per_cpu_second']):,} |"
        for label, f in servers.items()
    ]
    workers = memory["workers"]
    supervisor = memory["supervisor"]
    memory_rows = [
        f"| supervisor | {supervisor['rss_mib']:.0f} | {supervisor['uss_mib']:.0f} |",
        *(
            f"| worker {index + 1} | {worker['rss_mib']:.0f} | {worker['uss_mib']:.0f} |"
            for index, worker in enumerate(workers)
        ),
    ]
    met = lambda ok: "met" if ok else "missed"  # noqa: E731 - a table cell
    return "\n".join(
        [
            "## Worker processes (`make bench-workers`)",
            "",
            f"The iris SVC (numpy batch), one JSON row, wrk with 1 thread and "
            f"{figures['connections']} kept-alive connections, {figures['seconds']:g} s per run, "
            f"{figures['rounds']} rounds of the three servers in turns (all up at once; median), "
            f"on {figures['cores']} cores shared with wrk. Server CPU is of one core (200% is "
            'both); "other" is the rest of the machine meanwhile. A pool of one worker '
            "(`--max-worker-memory` makes one) against one process shows what the supervisor's "
            f"guard of each connection costs: {guarded:.2f}x the requests per second, "
            f"{cpu_cost:.2f}x the server CPU per request.",
            *(
                [
                    "",
                    f"**The machine was busy with other work during these runs** (other CPU up to "
                    f"{busiest:.0f}%): the servers got what CPU was left, so req/s ratios say "
                    "more about that than about capacity; requests per server CPU second are "
                    "the steadier figure.",
                ]
                if busiest > BUSY_MACHINE_PCT
                else []
            ),
            "",
            "| server | req/s (each round) | p50 ms | p99 ms | errors | server CPU | wrk CPU "
            "| other CPU | requests per server CPU second |",
            "|---|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            "Memory after the loads, from `/proc/PID/smaps_rollup` (MiB; USS: the pages only "
            "that process holds):",
            "",
            "| process | RSS | USS |",
            "|---|---|---|",
            *memory_rows,
            "",
            "| target | needed | measured | |",
            "|---|---|---|---|",
            f"| `--workers 2` ÷ `--workers 1`, single row c=64 | ≥ {TARGET_SPEEDUP}x | "
            f"{speedup:.2f}x | {met(speedup >= TARGET_SPEEDUP)} |",
            f"| USS of each extra worker ÷ the first worker's RSS | ≤ {TARGET_MEMORY} | "
            f"{ratio:.3f} | {met(ratio <= TARGET_MEMORY)} |",
        ]
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
