"""Open Inference V2 over gRPC: modelport's ``serve --grpc-port`` against MLServer's gRPC server,
the same iris SVC, single-row ``ModelInfer`` at c=8, taken in turns with both servers up.

    make bench-grpc          (or: python benchmarks/grpc_bench.py [--seconds 10] [--rounds 3])

Prepares what ``make bench`` prepares for the two (MLServer's venv, the bench models built into a
scratch home), starts both, then loads each in turn with h2load (``grpc_client.py``, the same
for both), round after round; the figures are the medians of the rounds. Writes the table into
its section of docs/benchmarks.md (``sections.py``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import floor
import grpc
import peers
import sections
import subject
from load import run_grpc
from run import ensure_load_generators
from servers import RunningServer
from spec import ServerSpec

BENCH = Path(__file__).resolve().parent
CACHE = BENCH / ".cache"
HOME = CACHE / "modelport-home"
MODEL = CACHE / "iris_svc.joblib"
REPORT = BENCH.parent / "docs" / "benchmarks.md"
HTTP_PORT, GRPC_PORT, PEER_PORT = 18300, 18301, 18310


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="benchmarks/grpc_bench.py")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each load")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the turns")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--skip-build", action="store_true", help="reuse the built bench models")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse(argv)
    ensure_load_generators()
    mlserver = peers.PEERS[0]
    version = peers.install(CACHE, mlserver)
    floor.train(MODEL)
    if not args.skip_build or not HOME.exists():
        subject.build(HOME)
    specs = {
        "modelport": ServerSpec(
            "modelport",
            "modelport iris-svc",
            (
                str(subject.MODELPORT),
                *("serve", "iris-svc", "--port", str(HTTP_PORT), "--grpc-port", str(GRPC_PORT)),
            ),
            HTTP_PORT,
            (),
            subject.ROOT,
            {"MODELPORT_HOME": str(HOME)},
        ),
        "mlserver": peers.peer_specs(CACHE, MODEL, {"mlserver": version}, PEER_PORT)[0],
    }
    ports = {"modelport": GRPC_PORT, "mlserver": PEER_PORT + 1}
    layouts = {"modelport": "columns", "mlserver": "matrix"}
    # each server with a connection per caller (the target's), then all on one connection
    loads = [(name, streams) for streams in (1, args.connections) for name in specs]
    passes: dict[tuple[str, int], list[dict[str, float]]] = {load: [] for load in loads}
    logs = CACHE / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with (
        RunningServer(specs["modelport"], logs / "grpc-modelport.log") as ours,
        RunningServer(specs["mlserver"], logs / "grpc-mlserver.log") as theirs,
    ):
        running = {"modelport": ours, "mlserver": theirs}
        for name, server in running.items():
            _wait_ready(f"127.0.0.1:{ports[name]}", server)
        for round_number in range(args.rounds):
            for name, streams in loads:
                done = run_grpc(
                    running[name],
                    ports[name],
                    layouts[name],
                    logs,
                    connections=args.connections // streams,
                    seconds=args.seconds,
                    streams=streams,
                )
                figures = asdict(done)
                passes[name, streams].append(figures)
                print(f"round {round_number + 1} {name} {streams}: {figures}", file=sys.stderr)
    medians = {load: _median(found) for load, found in passes.items()}
    _write(medians, args, version)
    return 0


def _wait_ready(address: str, server: RunningServer, timeout: float = 180.0) -> None:
    """Until the server answers ServerReady true over gRPC."""
    from tritonclient.grpc import service_pb2

    deadline = time.monotonic() + timeout
    with grpc.insecure_channel(address) as channel:
        ready = channel.unary_unary(
            "/inference.GRPCInferenceService/ServerReady",
            request_serializer=service_pb2.ServerReadyRequest.SerializeToString,
            response_deserializer=service_pb2.ServerReadyResponse.FromString,
        )
        while time.monotonic() < deadline:
            try:
                if ready(service_pb2.ServerReadyRequest(), timeout=2).ready:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.5)
    raise SystemExit(f"{address} did not turn ready:\n{server.log_tail()}")


def _median(found: list[dict[str, Any]]) -> dict[str, float]:
    numbers = [key for key, value in found[0].items() if isinstance(value, int | float)]
    return {key: statistics.median(f[key] for f in found) for key in numbers}


def _write(
    medians: dict[tuple[str, int], dict[str, float]], args: argparse.Namespace, version: str
) -> None:
    each, shared = 1, args.connections  # calls at once on each connection
    ratio = medians["modelport", each]["rps"] / medians["mlserver", each]["rps"]
    shared_ratio = medians["modelport", shared]["rps"] / medians["mlserver", shared]["rps"]
    labels = {
        "modelport": "modelport `serve --grpc-port`",
        "mlserver": f"MLServer {version} + mlserver-sklearn",
    }
    lines = [
        f"## Open Inference V2 over gRPC ({datetime.now(UTC):%Y-%m-%d}, `make bench-grpc`)",
        "",
        f"Single-row `ModelInfer` at c={args.connections}, iris SVC, raw tensor contents; "
        f"the medians of {args.rounds} rounds of {args.seconds:g} s taken in turns with both "
        "servers up; h2load (nghttp2's load generator, in C) sends the calls as gRPC frames, "
        "as wrk sends HTTP requests: first each caller on a connection of its own, as wrk's "
        "connections are, then all on one shared connection, as callers sharing one client's "
        "channel are. Every answer is checked: one call through grpc first, then every call "
        "of the load must bring back an answer of that size (a failed call ends with its "
        "status in trailers, and no message). CPU: % of one core, the server's processes "
        "together, then h2load's.",
        "",
        "| server | connections | req/s | p50 ms | p99 ms | errors | CPU server/client |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        *(
            f"| {labels[name]} | {args.connections // streams} | {m['rps']:,.0f} | "
            f"{m['p50_ms']:.2f} | {m['p99_ms']:.2f} | {m['errors']:.0f} | "
            f"{m['server_cpu_pct']:.0f}%/{m['wrk_cpu_pct']:.0f}% |"
            for (name, streams), m in medians.items()
        ),
        "",
        f"modelport ÷ MLServer: **{ratio:.2f}x** (target ≥ 2.5x) with a connection per caller, "
        f"{shared_ratio:.2f}x on one shared connection, which one of modelport's workers serves "
        "(the kernel hands a connection to one of them). Both as they start by "
        "default: modelport with a worker per core (2 here), MLServer with its defaults "
        "(parallel_workers=1).",
    ]
    text = REPORT.read_text() if REPORT.exists() else ""
    REPORT.write_text(sections.replace(text, "grpc", "\n".join(lines)))
    print(f"wrote {REPORT}: modelport ÷ MLServer {ratio:.2f}x", file=sys.stderr)


if __name__ == "__main__":
    os.chdir(BENCH)
    sys.exit(main(sys.argv[1:]))
