"""``make bench-commands``: how long the ``modelport`` command takes, and the cold start of
``modelport serve NAME`` against the bare FastAPI app serving the same model.

    make bench-commands      (or: python benchmarks/command_latency.py [--rounds 10] [--cold 3])

Commands: ``python -c pass`` (the interpreter alone), ``modelport --help`` and ``modelport
models list`` (on the bench registry: two models) are run in rotation, round after round; the
figures are the medians of the rounds, wall time and the CPU time the process used (user +
system), which a busy machine stretches far less than wall time. Cold starts: ``modelport serve
iris-svc``, the serving process it becomes launched directly, and the bare FastAPI app (``async
def`` endpoint) are launched in rotation, each timed from launch to its first correct answer
(polled every 20 ms), with the CPU its processes had used by then. Prepares what ``make bench``
prepares for these (the FastAPI venv, the model, the bench models built into a scratch home,
modelport compiled to bytecode as an installed wheel is) and writes its own section of
docs/benchmarks.md (``sections.py``).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import floor
import machine
import payloads
import peers
import sections
import subject
from servers import RunningServer

from modelport.builder.environment import compile_bytecode

BENCH = Path(__file__).resolve().parent
CACHE = BENCH / ".cache"
MODEL = CACHE / "model" / "iris_svc.joblib"
HOME = CACHE / "modelport-home"
REPORT = BENCH.parent / "docs" / "benchmarks.md"
PORT = 18500
HELP_TARGET, LIST_TARGET, COLD_TARGET = 0.3, 0.5, 1.0
"""Seconds ``--help`` and ``models list`` may take; cold start ÷ the FastAPI app's."""


@dataclass
class Timings:
    """Wall and CPU seconds of each round."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def add(self, wall: float, cpu: float) -> None:
        self.wall.append(wall)
        self.cpu.append(cpu)

    @property
    def median_wall(self) -> float:
        return statistics.median(self.wall)

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu)

    def rounds(self) -> str:
        return ", ".join(f"{s:.2f}" for s in self.wall)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="benchmarks/command_latency.py")
    parser.add_argument("--rounds", type=int, default=10, help="rounds of the commands")
    parser.add_argument("--cold", type=int, default=3, help="rounds of the cold starts")
    parser.add_argument("--skip-build", action="store_true", help="reuse the built bench models")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.cold < 1:
        parser.error("--rounds and --cold must be 1 or more")
    return args


def main(argv: list[str]) -> int:
    args = parse(argv)
    fastapi = next(peer for peer in peers.PEERS if peer.name == "fastapi")
    version = peers.install(CACHE, fastapi)
    classifier = floor.train(MODEL)
    compile_bytecode(Path(sys.executable))  # as pip would; src/ is the editable install's
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(BENCH.parent / "src")], check=False
    )
    if not args.skip_build or not HOME.exists():
        shutil.rmtree(HOME, ignore_errors=True)
        subject.build(HOME)
    started_on = machine.describe()["load average at start"]
    commands = _time_commands(args.rounds)
    expected = floor.expected_labels(classifier, 1)
    colds = _time_cold_starts(args.cold, {"fastapi": version}, expected)
    _write(commands, colds, args, started_on)
    return 0


COMMANDS = {
    "`python -c pass` (the interpreter alone)": [sys.executable, "-c", "pass"],
    "`modelport --help`": [str(subject.MODELPORT), "--help"],
    "`modelport models list`": [str(subject.MODELPORT), "models", "list"],
}


def _time_commands(rounds: int) -> dict[str, Timings]:
    """Each command once per round, in rotation; wall and CPU seconds of each run."""
    found = {label: Timings() for label in COMMANDS}
    env = {**os.environ, "MODELPORT_HOME": str(HOME), "COLUMNS": "100"}
    for _ in range(rounds):
        for label, command in COMMANDS.items():
            before = _children_cpu()
            started = time.perf_counter()
            subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
            found[label].add(time.perf_counter() - started, _children_cpu() - before)
    for label, timings in found.items():
        print(f"{label}: {timings.median_wall:.3f} s ({timings.median_cpu:.3f} s CPU)")
    return found


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time_cold_starts(
    rounds: int, versions: dict[str, str], expected: list[int]
) -> dict[str, Timings]:
    """``modelport serve``, its serving process launched directly, and the FastAPI app, in
    rotation: seconds from launch to the first correct answer, and the CPU used by then."""
    ours = subject.modelport_specs(HOME, PORT)[0]
    fast = next(
        s for s in peers.peer_specs(CACHE, MODEL, versions, PORT + 10) if s.name == "fastapi-async"
    )
    labels = {
        "modelport": f"`modelport serve iris-svc` ({ours.label})",
        "serving": "its serving process launched directly (`python -m modelport.serving`)",
        "fastapi": f"bare {fast.label}",
    }
    found = {key: Timings() for key in labels}
    logs = CACHE / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    body = payloads.encode(ours.routes[0].body, payloads.rows(1))
    serving: tuple[str, ...] | None = None
    for _ in range(rounds):
        for key, spec in (("modelport", ours), ("serving", None), ("fastapi", fast)):
            if spec is None:
                if serving is None:
                    continue
                spec = replace(ours, name="modelport-serving", command=serving)
            with RunningServer(spec, logs / f"commands-{spec.name}.log") as server:
                wall = server.wait_first_answer(spec.routes[0], body, expected, 180.0)
                found[key].add(wall, server.cpu_seconds())
                if key == "modelport":
                    serving = server.command_line()
    for key, timings in found.items():
        print(f"{labels[key]}: {timings.median_wall:.2f} s ({timings.median_cpu:.2f} s CPU)")
    return {labels[key]: timings for key, timings in found.items() if timings.wall}


def _verdict(measured: float, bound: float) -> str:
    if measured <= bound:
        return "**met**"
    return f"**missed** by {measured / bound - 1:.0%}"


def _write(
    commands: dict[str, Timings],
    colds: dict[str, Timings],
    args: argparse.Namespace,
    load_average: str,
) -> None:
    labels = list(commands)
    python, help_, listing = (commands[label] for label in labels)
    cold = list(colds.values())
    ours, fast = cold[0], cold[-1]
    stretch = python.median_wall / python.median_cpu if python.median_cpu else 0.0
    lines = [
        f"## Command latency and cold start ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        "`make bench-commands`)",
        "",
        f"Each command run once per round, in rotation, {args.rounds} rounds; the servers "
        f"launched in rotation, {args.cold} rounds; medians (every round's wall time in "
        "brackets). CPU: the user + system seconds the process (tree) had used, which a busy "
        "machine stretches far less than wall time: on an idle machine the wall time of these "
        f"single-threaded starts comes close to their CPU time. Load average at the start: "
        f"{load_average} on {os.cpu_count()} cores; the interpreter alone took "
        f"{stretch:.1f}x its CPU time in wall time here.",
        "",
        "| target | wall | CPU | needed | result (wall) |",
        "| --- | ---: | ---: | ---: | --- |",
        f"| `modelport --help`, s | {help_.median_wall:.2f} | {help_.median_cpu:.2f} | "
        f"< {HELP_TARGET} | {_verdict(help_.median_wall, HELP_TARGET)} |",
        f"| `modelport models list`, s | {listing.median_wall:.2f} | {listing.median_cpu:.2f} | "
        f"< {LIST_TARGET} | {_verdict(listing.median_wall, LIST_TARGET)} |",
        "| cold start `modelport serve` ÷ bare FastAPI's | "
        f"{ours.median_wall / fast.median_wall:.2f}x | {ours.median_cpu / fast.median_cpu:.2f}x "
        f"| ≤ {COLD_TARGET:.1f}x | {_verdict(ours.median_wall / fast.median_wall, COLD_TARGET)} |",
        "",
        "| command | wall s | CPU s |",
        "| --- | ---: | ---: |",
        *(
            f"| {label} | {t.median_wall:.3f} ({t.rounds()}) | {t.median_cpu:.3f} |"
            for label, t in commands.items()
        ),
        "",
        "| cold start: launch to first correct answer | wall s | CPU s |",
        "| --- | ---: | ---: |",
        *(
            f"| {label} | {t.median_wall:.2f} ({t.rounds()}) | {t.median_cpu:.2f} |"
            for label, t in colds.items()
        ),
    ]
    if len(cold) == 3:
        serving = cold[1]
        lines += [
            "",
            f"The command before the server takes {ours.median_cpu - serving.median_cpu:.2f} s "
            "of CPU (`modelport serve` less its serving process launched directly); the serving "
            f"process takes {serving.median_cpu / fast.median_cpu:.2f}x the FastAPI app's CPU "
            "to its first answer. Both import the same scikit-learn (with SciPy, most of either "
            "start); see the cold start paragraph under Targets for the rest.",
        ]
    text = REPORT.read_text() if REPORT.exists() else ""
    REPORT.write_text(sections.replace(text, "command-latency", "\n".join(lines)))
    print(f"wrote {REPORT}", file=sys.stderr)


if __name__ == "__main__":
    os.chdir(BENCH)
    sys.exit(main(sys.argv[1:]))
