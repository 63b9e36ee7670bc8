"""``make bench-frameworks``: each converted kind of Wallaroo upload served by onnxruntime
(``--runtime onnx``) and by its framework's own runtime (``--runtime framework``), and by
MLServer's runtime for the same model where MLServer has one.

    make bench-frameworks      (or: python benchmarks/frameworks.py [--seconds 10] [--rounds 3]
                                [--only sklearn,xgboost] [--skip-build])

For each kind (scikit-learn, XGBoost, PyTorch, Keras, MLflow, a Hugging Face text classifier)
the script makes a tiny model (seeded; nothing is downloaded), builds it with modelport into a
scratch ``MODELPORT_HOME`` and writes MLServer's settings for it. Then, kind by kind:

1. every server of the kind starts, and its answers to 1 and 1,000 rows are checked against the
   model's in-process predict (a server that answers otherwise is left out, saying why);
2. loads in turns, all the kind's servers up at once: single-row then 1,000-row requests, wrk
   with one thread and 8 kept-alive connections, every server in rotation, ``--rounds`` rounds;
3. cold starts in rotation: each server launched alone, timed from launch to its first correct
   answer, ``--rounds`` rounds.

Figures are medians of the rounds. Writes its section of docs/benchmarks.md (``sections.py``)
and the raw figures to ``.cache/frameworks/results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import framework_peer
import framework_report
import framework_servers
import load
import machine
import numpy as np
import peers
import sections
from framework_bodies import agrees
from framework_servers import Contender, Kind
from servers import RunningServer, post
from suite import say

BENCH = Path(__file__).resolve().parent
CACHE = BENCH / ".cache"
WORK = CACHE / "frameworks"
REPORT = BENCH.parent / "docs" / "benchmarks.md"
PORT = 18500
COLD_LIMIT = 300.0
"""Seconds a server may take to answer its first request before it is called failed."""
LOAD_TIMEOUT = 60.0
"""wrk's timeout per request: a 1,000-text batch through transformers takes seconds."""
OURS = ("modelport", "scikit-learn", "skl2onnx", "onnxmltools", "onnxruntime", "xgboost", "torch")
OURS += ("tensorflow-cpu", "keras", "transformers")
THEIRS = ("mlserver", "mlserver-sklearn", "mlserver-xgboost", "mlserver-mlflow")
THEIRS += ("mlserver-huggingface", "mlflow", "scikit-learn", "xgboost", "torch", "transformers")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="benchmarks/frameworks.py")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of loads and cold starts")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="intra-op threads of torch, OpenMP, BLAS and TensorFlow in every server (0: their "
        "defaults, a thread per core)",
    )
    parser.add_argument("--only", default="", help="comma-separated kinds (default: all)")
    parser.add_argument("--skip-build", action="store_true", help="reuse the built models")
    parser.add_argument("--no-report", action="store_true", help="print only; leave the docs")
    parser.add_argument(
        "--report-only", action="store_true", help="rewrite the section from the last results"
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse(argv)
    if args.report_only:
        _report(json.loads((WORK / "results.json").read_text()))
        return 0
    if load.wrk_binary() is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    only = {name for name in args.only.split(",") if name}
    unknown = only - set(framework_servers.MAKERS)
    if unknown:
        raise SystemExit(
            f"--only: unknown kinds {sorted(unknown)}; known: {list(framework_servers.MAKERS)}"
        )
    say(f"installing {framework_peer.MLSERVER.name} (uv venv under {CACHE / 'venvs'})")
    version = peers.install(CACHE, framework_peer.MLSERVER)
    versions = {
        "modelport side": _versions(sys.executable, OURS),
        "MLServer side": _versions(str(framework_peer.python(CACHE)), THEIRS),
    }
    place = framework_servers.Place(WORK, WORK / "modelport-home", CACHE, PORT, args.threads)
    say("making the models" + ("" if args.skip_build else " and building them with modelport"))
    kinds = framework_servers.kinds(place, not args.skip_build, version, only)
    figures: dict[str, Any] = {
        "machine": machine.describe(),
        "versions": versions,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "connections": args.connections,
        "threads": args.threads,
        "kinds": [],
    }
    script = load.write_script(WORK)
    for kind in kinds:
        figures["kinds"].append(_measure(kind, args, script))
    figures["load average at end"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    (WORK / "results.json").write_text(json.dumps(figures, indent=2))
    if not args.no_report:
        _report(figures)
    return 0


def _report(figures: dict[str, Any]) -> None:
    text = REPORT.read_text() if REPORT.exists() else ""
    REPORT.write_text(sections.replace(text, "frameworks", framework_report.render(figures)))
    say(f"wrote the frameworks section of {REPORT.relative_to(BENCH.parent)}")


def _versions(python: str, names: tuple[str, ...]) -> dict[str, str]:
    """The installed version of each distribution in the interpreter ``python``."""
    if python == sys.executable:
        found = {}
        for name in names:
            try:
                found[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                found[name] = "absent"
        return found
    code = (
        "import importlib.metadata as m, json, sys\n"
        "def v(n):\n"
        "    try: return m.version(n)\n"
        "    except m.PackageNotFoundError: return 'absent'\n"
        "print(json.dumps({n: v(n) for n in sys.argv[1:]}))"
    )
    done = subprocess.run([python, "-c", code, *names], capture_output=True, text=True, check=True)
    found: dict[str, str] = json.loads(done.stdout)
    return found


def _measure(kind: Kind, args: argparse.Namespace, script: Path) -> dict[str, object]:
    """Check, load in turns and cold-start the kind's servers; their figures."""
    say(f"{kind.name}: {len(kind.contenders)} servers")
    logs = WORK / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    servers: dict[str, dict[str, object]] = {
        c.runtime: {"label": c.spec.label, "loads": {}, "cold_starts": []} for c in kind.contenders
    }
    working: list[Contender] = []
    running: dict[str, RunningServer] = {}
    try:
        for contender in kind.contenders:
            running[contender.runtime] = RunningServer(
                contender.spec, logs / f"{contender.spec.name}.log"
            )
        for contender in kind.contenders:
            problem = _first_answer(running[contender.runtime], contender, kind)
            problem = problem or _check(contender, kind)
            if problem:
                say(f"  {contender.spec.name} left out: {problem}")
                servers[contender.runtime]["error"] = problem
            else:
                working.append(contender)
        passes: dict[tuple[str, int], list[load.Pass]] = {}
        alone: dict[tuple[str, int], list[float]] = {}
        for round_number in range(args.rounds):
            for rows in framework_servers.ROW_COUNTS:
                for contender in working:
                    if rows in kind.alone:
                        seconds = _time_alone(contender, rows)
                        alone.setdefault((contender.runtime, rows), []).append(seconds)
                        say(
                            f"  round {round_number + 1} {contender.spec.name} rows={rows}: "
                            f"{seconds:.2f} s alone"
                        )
                        continue
                    done = load.run_wrk(
                        running[contender.runtime],
                        contender.spec.routes[0],
                        contender.bodies[rows],
                        script,
                        connections=args.connections,
                        seconds=args.seconds,
                        timeout=LOAD_TIMEOUT,
                    )
                    passes.setdefault((contender.runtime, rows), []).append(done)
                    say(
                        f"  round {round_number + 1} {contender.spec.name} rows={rows}: "
                        f"{done.rps:,.1f} req/s, {done.errors} errors"
                    )
        for contender in working:
            servers[contender.runtime]["rss_mib"] = running[contender.runtime].rss_mib()
    finally:
        for server in running.values():
            server.stop()
    for (runtime, rows), found in passes.items():
        servers[runtime]["loads"][str(rows)] = _summary(found)  # type: ignore[index]
    for (runtime, rows), times in alone.items():
        servers[runtime]["loads"][str(rows)] = _alone_summary(times)  # type: ignore[index]
    for round_number in range(args.rounds):
        for contender in working:
            seconds = _cold_start(contender, kind, logs)
            say(f"  cold start {round_number + 1} {contender.spec.name}: {seconds:.2f} s")
            servers[contender.runtime]["cold_starts"].append(seconds)  # type: ignore[attr-defined]
    return {"name": kind.name, "title": kind.title, "note": kind.note, "servers": servers}


def _first_answer(server: RunningServer, contender: Contender, kind: Kind) -> str:
    """Empty once the server answers its single row correctly; else why it never did."""
    body = contender.bodies[1].read_bytes()
    reason = "no answer"
    while time.perf_counter() - server.started < COLD_LIMIT:
        if server.process.poll() is not None:
            return f"exited with {server.process.returncode}: {server.log_tail()}"
        reason = _answer_problem(contender, body, kind.expected[1])
        if not reason:
            return ""
        time.sleep(0.02)
    return f"no correct answer within {COLD_LIMIT:.0f} s ({reason}): {server.log_tail()}"


def _check(contender: Contender, kind: Kind) -> str:
    """Empty when the server answers every row count as the model does in process."""
    for rows, path in contender.bodies.items():
        problem = _answer_problem(contender, path.read_bytes(), kind.expected[rows])
        if problem:
            return f"{rows} rows: {problem}"
    return ""


def _answer_problem(contender: Contender, body: bytes, expected: np.ndarray) -> str:
    """Empty when the server answers ``body`` as ``expected``; else what went wrong."""
    try:
        status, answer = post(contender.spec.port, contender.spec.routes[0], body, timeout=120)
    except OSError as error:
        return f"no answer ({error})"
    if status != 200:
        return f"HTTP {status}: {answer[:300].decode(errors='replace')}"
    try:
        got = contender.decode(answer)
    except Exception as error:  # any malformed answer fails the check, whatever the parser raised
        return f"unreadable answer ({type(error).__name__}: {error}): {answer[:200]!r}"
    return agrees(got, expected)


def _cold_start(contender: Contender, kind: Kind, logs: Path) -> float:
    """Seconds from launching the server alone to its first correct single-row answer."""
    with RunningServer(contender.spec, logs / f"{contender.spec.name}-cold.log") as server:
        problem = _first_answer(server, contender, kind)
        seconds = time.perf_counter() - server.started
    if problem:
        raise SystemExit(f"{contender.spec.name} cold start failed: {problem}")
    return seconds


def _time_alone(contender: Contender, rows: int) -> float:
    """Seconds one request of ``rows`` takes, sent alone."""
    started = time.perf_counter()
    status, answer = post(
        contender.spec.port, contender.spec.routes[0], contender.bodies[rows].read_bytes(), 600
    )
    if status != 200:
        raise SystemExit(f"{contender.spec.name}: HTTP {status} on {rows} rows: {answer[:300]!r}")
    return time.perf_counter() - started


def _alone_summary(times: list[float]) -> dict[str, object]:
    """Requests one at a time: their rate (1 ÷ seconds) and latency."""
    middle = statistics.median(times)
    return {
        "alone": True,
        "rps": 1 / middle,
        "rps_each": [round(1 / t, 3) for t in times],
        "p50_ms": middle * 1000,
        "p99_ms": max(times) * 1000,
        "errors": 0,
    }


def _summary(found: list[load.Pass]) -> dict[str, object]:
    return {
        "rps": statistics.median(p.rps for p in found),
        "rps_each": [round(p.rps, 1) for p in found],
        "p50_ms": statistics.median(p.p50_ms for p in found),
        "p99_ms": statistics.median(p.p99_ms for p in found),
        "errors": sum(p.errors for p in found),
        "server_cpu_pct": statistics.median(p.server_cpu_pct for p in found),
        "wrk_cpu_pct": statistics.median(p.wrk_cpu_pct for p in found),
        "other_cpu_pct": statistics.median(p.other_cpu_pct for p in found),
    }


if __name__ == "__main__":
    os.chdir(BENCH)
    sys.exit(main(sys.argv[1:]))
