"""Open Inference V2 over gRPC: modelport's ``serve --grpc-port`` against MLServer's gRPC server,
the same iris SVC, single-row ``ModelInfer`` at c=8, taken in turns with both servers up.

    make bench-grpc          (or: python benchmarks/grpc_bench.py [--seconds 10] [--rounds 3])

Prepares what ``make bench`` prepares for the two (MLServer's venv, the bench models built into a
scratch home), starts both, then loads each in turn with ``grpc_client.py`` (a Python grpc.aio
client in its own process, the same for both), round after round; the figures are the medians of
the rounds. Writes the table into its section of docs/benchmarks.md (``sections.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import floor
import grpc
import peers
import sections
import subject
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
    addresses = {"modelport": f"127.0.0.1:{GRPC_PORT}", "mlserver": f"127.0.0.1:{PEER_PORT + 1}"}
    models = {"modelport": ("iris-svc", "columns"), "mlserver": ("iris-svc", "matrix")}
    # each server with a channel per caller (the target's), then with one shared channel
    loads = [(name, channels) for channels in (args.connections, 1) for name in specs]
    passes: dict[tuple[str, int], list[dict[str, float]]] = {load: [] for load in loads}
    logs = CACHE / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with (
        RunningServer(specs["modelport"], logs / "grpc-modelport.log") as ours,
        RunningServer(specs["mlserver"], logs / "grpc-mlserver.log") as theirs,
    ):
        for name, server in (("modelport", ours), ("mlserver", theirs)):
            _wait_ready(addresses[name], server)
        for round_number in range(args.rounds):
            for name, channels in loads:
                model, layout = models[name]
                command = [
                    sys.executable,
                    str(BENCH / "grpc_client.py"),
                    addresses[name],
                    model,
                    layout,
                    str(args.connections),
                    str(args.seconds),
                    str(channels),
                ]
                done = subprocess.run(command, capture_output=True, text=True, check=True)
                figures = json.loads(done.stdout)
                passes[name, channels].append(figures)
                print(f"round {round_number + 1} {name} {channels}: {figures}", file=sys.stderr)
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


def _median(found: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(f[key] for f in found) for key in found[0]}


def _write(
    medians: dict[tuple[str, int], dict[str, float]], args: argparse.Namespace, version: str
) -> None:
    each, shared = args.connections, 1
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
        "servers up; the same Python grpc.aio client process loads each, its callers each on "
        "a channel (a connection) of its own, as wrk's connections are, then all on one "
        "shared channel, as callers sharing one client are (on this 2-core machine the client "
        "shares the cores with the server, so every figure is below what a separate client "
        "machine would see).",
        "",
        "| server | channels | req/s | p50 ms | p99 ms | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        *(
            f"| {labels[name]} | {channels} | {m['rps']:,.0f} | {m['p50_ms']:.2f} | "
            f"{m['p99_ms']:.2f} | {m['errors']:.0f} |"
            for (name, channels), m in medians.items()
        ),
        "",
        f"modelport ÷ MLServer: **{ratio:.2f}x** (target ≥ 2.5x) with a channel per caller, "
        f"{shared_ratio:.2f}x on one shared channel, which one of modelport's workers serves "
        "(the kernel hands a connection to one of them). Both as they start by "
        "default: modelport with a worker per core (2 here), MLServer with its defaults "
        "(parallel_workers=1). The Python client takes about a core itself: a C client "
        "would show more of both servers.",
    ]
    text = REPORT.read_text() if REPORT.exists() else ""
    REPORT.write_text(sections.replace(text, "grpc", "\n".join(lines)))
    print(f"wrote {REPORT}: modelport ÷ MLServer {ratio:.2f}x", file=sys.stderr)


if __name__ == "__main__":
    os.chdir(BENCH)
    sys.exit(main(sys.argv[1:]))
