"""``make bench``: serve the iris SVC with modelport and its peers, load them with wrk, report.

Phases: install (peers' venvs with uv, wrk and h2load with apt-get, the modelport builds; needs
the package registries), measure (re-executed inside a loopback-only network namespace when
``unshare -n`` is permitted, so load traffic never leaves the machine), report
(docs/benchmarks.md from benchmarks/results.json). ``--report-only`` rewrites the report from an
existing results.json.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import floor
import load
import machine
import payloads
import peers
import profiling
import report
import results
import sections
import subject
import suite
from grpc_client import h2load_binary
from turns import take_turns

from modelport.builder.environment import compile_bytecode

BENCH = Path(__file__).resolve().parent
CACHE = BENCH / ".cache"
RESULTS = BENCH / "results.json"
REPORT = BENCH.parent / "docs" / "benchmarks.md"
PREPARED = CACHE / "prepared.json"
MODEL = CACHE / "model" / "iris_svc.joblib"
HOME = CACHE / "modelport-home"
ROW_COUNTS = (1, 1000)
MODELPORT_PORT, PEER_PORT = 18100, 18200


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="benchmarks/run.py", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 s loads, 1 round")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each wrk run")
    parser.add_argument(
        "--repeats", type=int, default=3, help="rounds of cold starts and compared loads (median)"
    )
    parser.add_argument("--only", default="", help="comma-separated server names to run")
    parser.add_argument("--no-netns", action="store_true", help="measure on plain loopback")
    parser.add_argument("--report-only", action="store_true", help="rewrite the report only")
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--in-netns", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be 1 or more")
    if args.quick:
        args.seconds, args.repeats = 2.0, 1
    return args


def main(argv: list[str]) -> int:
    args = parse(argv)
    if args.measure_only:
        return measure_phase(args)
    if not args.report_only:
        prepare(args)
        netns = not args.no_netns and _unshare_works()
        forwarded = [a for a in argv if a != "--no-netns"]
        if netns:
            command = [
                "unshare",
                "-n",
                "--",
                sys.executable,
                __file__,
                "--measure-only",
                "--in-netns",
            ]
            subprocess.run([*command, *forwarded], check=True)
        else:
            suite.say("unshare -n is not permitted here: measuring on plain loopback")
            measure_phase(parse([*forwarded, "--measure-only"]))
    REPORT.write_text(sections.keep(REPORT, report.render(results.load(RESULTS))))
    suite.say(f"wrote {REPORT.relative_to(BENCH.parent)} and {RESULTS.relative_to(BENCH.parent)}")
    return 0


def prepare(args: argparse.Namespace) -> None:
    """Everything that needs the registries or takes a while, before any server runs."""
    ensure_load_generators()
    wanted = _selected(args)
    versions = {"modelport": metadata.version("modelport")}
    for peer in peers.PEERS:
        if any(name == peer.name or name.startswith(f"{peer.name}-") for name in wanted):
            suite.say(f"installing {peer.name} (uv, cached under benchmarks/.cache/venvs)")
            versions[peer.name] = peers.install(CACHE, peer)
    suite.say("installing py-spy (cached under benchmarks/.cache/venvs) to profile the subject")
    profiling.installed(CACHE)
    versions["py-spy"] = peers.installed_version(CACHE, profiling.PY_SPY)
    floor.train(MODEL)
    payloads.write_bodies(CACHE / "bodies", ROW_COUNTS)
    load.write_script(CACHE)
    if wanted & {"modelport", "modelport-1w", "modelport-iris"}:
        suite.say("compiling modelport's environment to bytecode, as the peers' venvs are")
        compile_bytecode(Path(sys.executable))
        source = str(BENCH.parent / "src")  # installed editable: its modules are not in lib/
        subprocess.run([sys.executable, "-m", "compileall", "-q", source], check=False)
        suite.say("building iris-svc into a scratch MODELPORT_HOME")
        shutil.rmtree(HOME, ignore_errors=True)
        subject.build(HOME)
    PREPARED.write_text(json.dumps({"versions": versions, "machine": machine.describe()}))


def measure_phase(args: argparse.Namespace) -> int:
    """Measure the floor and every selected server; write results.json."""
    if args.in_netns:
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    prepared = json.loads(PREPARED.read_text())
    versions: dict[str, str] = prepared["versions"]
    classifier = floor.load(MODEL)
    plan = suite.Plan(
        seconds=args.seconds,
        rounds=args.repeats,
        bodies=CACHE / "bodies",
        script=CACHE / "post.lua",
        logs=CACHE / "logs",
        expected={n: floor.expected_labels(classifier, n) for n in ROW_COUNTS},
        floor=functools.partial(floor.predict_seconds, classifier),
    )
    measured_floor = results.Floor(
        floor.predict_seconds(classifier, 1), floor.predict_seconds(classifier, 1000)
    )
    suite.say(
        f"in-process predict: {measured_floor.seconds_1 * 1e6:.0f} µs (1 row), "
        f"{measured_floor.seconds_1000 * 1e3:.2f} ms (1,000 rows)"
    )
    wanted = _selected(args)
    specs = subject.modelport_specs(HOME, MODELPORT_PORT)
    if wanted - {"modelport", "modelport-1w", "modelport-iris"}:
        specs += peers.peer_specs(CACHE, MODEL, versions, PEER_PORT)
    specs = [spec for spec in specs if spec.name in wanted]
    found = {s.name: results.ServerResult(s.name, s.label, s.modelport, s.notes) for s in specs}
    suite.say(f"cold starts: {args.repeats} rounds, every server launched in turn")
    suite.time_cold_starts(plan, specs, found)
    for spec in specs:
        if not found[spec.name].error and not spec.compared_only:
            suite.say(f"{spec.label}")
            suite.measure(plan, spec, found[spec.name])
    suite.say(f"compared loads: {args.repeats} rounds, taken in turns")
    py_spy = profiling.venv_dir(CACHE, profiling.PY_SPY) / "bin" / "py-spy"
    compared = take_turns(plan, specs, found, args.repeats, py_spy if py_spy.exists() else None)
    servers = list(found.values())
    meta = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": prepared["machine"],
        "versions": {
            **versions,
            "wrk": load.wrk_version(),
            "scikit-learn": metadata.version("scikit-learn"),
            "numpy": metadata.version("numpy"),
        },
        "netns": args.in_netns,
        "seconds": args.seconds,
        "repeats": args.repeats,
        "quick": args.quick,
        "finished": time.strftime("%H:%M:%S"),
    }
    results.save(
        results.Results(meta, measured_floor, servers, compared.turns, compared.pool_memory),
        RESULTS,
    )
    return 0


ALL_SERVERS = (
    "modelport",
    "modelport-1w",
    "modelport-iris",
    "mlserver",
    "mlserver-batch",
    "bentoml",
    "litserve",
    "litserve-batch",
    "fastapi",
    "fastapi-async",
)


def _selected(args: argparse.Namespace) -> set[str]:
    names = {n.strip() for n in args.only.split(",") if n.strip()} or set(ALL_SERVERS)
    unknown = names - set(ALL_SERVERS)
    if unknown:
        raise SystemExit(f"--only: unknown server(s) {sorted(unknown)}; choose from {ALL_SERVERS}")
    return names


def ensure_load_generators() -> None:
    """Install wrk (HTTP) and h2load (gRPC, in nghttp2-client) from Debian's packages when
    missing and we may; else say how."""
    missing = [
        package
        for package, binary in (("wrk", load.wrk_binary()), ("nghttp2-client", h2load_binary()))
        if binary is None
    ]
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise SystemExit(
            f"not installed: run `sudo apt-get install -y {' '.join(missing)}`, then make bench"
        )
    suite.say(f"installing {', '.join(missing)} with apt-get")
    if subprocess.run(["apt-get", "install", "-y", "-q", *missing], check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-q", *missing], check=True)


def _unshare_works() -> bool:
    probe = subprocess.run(["unshare", "-n", "--", "true"], capture_output=True, check=False)
    return probe.returncode == 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
