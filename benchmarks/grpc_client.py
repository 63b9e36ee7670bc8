"""The gRPC load: h2load (nghttp2's HTTP/2 load generator, in C) sending single-row
``ModelInfer`` calls as gRPC frames, closed-loop, as wrk sends HTTP/1.1 requests.

A Python client (grpc.aio, 8 channels) took about half a core of this 2-core machine for 2,100
calls a second, so the faster server measured got less of the machine than the slower one; h2load
takes under a tenth of a core for 2,900. Each of its connections is one caller, as each of wrk's
is (``streams`` > 1: that many calls at once on each connection, as callers sharing one client's
channel are).

h2load reads gRPC's answers as HTTP/2: every call answers status 200, and a failed call ends
with its ``grpc-status`` in trailers and no message. So the answer is checked first, with one call
through grpc (:func:`answer_size`), and a load counts as failed every call that did not bring back
an answer of that size (every answer of these models has the same size).
"""

from __future__ import annotations

import re
import shutil
import struct
from pathlib import Path

import grpc
import numpy as np
from tritonclient.grpc import service_pb2

METHOD = "/inference.GRPCInferenceService/ModelInfer"
ROW = np.array([[5.1, 3.5, 1.4, 0.2]])
FEATURES = ("sepal_length", "sepal_width", "petal_length", "petal_width")


def h2load_binary() -> str | None:
    return shutil.which("h2load")


def request(model: str, layout: str) -> bytes:
    """``ModelInfer`` for one iris row: ``columns``, one FP64 tensor per feature (modelport's
    iris-svc), or ``matrix``, one [1, 4] FP64 tensor (MLServer's sklearn runtime)."""
    message = service_pb2.ModelInferRequest(model_name=model)
    if layout == "columns":
        for index, name in enumerate(FEATURES):
            message.inputs.add(name=name, datatype="FP64", shape=[1])
            message.raw_input_contents.append(ROW[:, index].astype("<f8").tobytes())
    else:
        message.inputs.add(name="predict", datatype="FP64", shape=[1, 4])
        message.raw_input_contents.append(ROW.astype("<f8").tobytes())
    return message.SerializeToString()


def framed(message: bytes) -> bytes:
    """A gRPC length-prefixed message: not compressed, 4-byte big-endian length, the bytes."""
    return b"\0" + struct.pack(">I", len(message)) + message


def answer_size(address: str, model: str, layout: str) -> int:
    """One call through grpc, checked (an answer with outputs); the size of its gRPC frame."""
    with grpc.insecure_channel(address) as channel:
        infer = channel.unary_unary(
            METHOD, request_serializer=lambda b: b, response_deserializer=lambda b: b
        )
        raw: bytes = infer(request(model, layout), timeout=30)
    answer = service_pb2.ModelInferResponse.FromString(raw)
    if not answer.outputs:
        raise RuntimeError(f"{address}: ModelInfer answered without outputs: {answer}")
    return len(framed(raw))


def h2load_command(
    address: str, body: Path, log: Path, *, connections: int, streams: int, seconds: float
) -> list[str]:
    """h2load posting ``body`` (a framed request) to ``address``'s ModelInfer for ``seconds``."""
    binary = h2load_binary()
    if binary is None:
        raise RuntimeError("h2load is not installed: sudo apt-get install -y nghttp2-client")
    return [
        binary,
        *("-D", f"{seconds:g}", "-c", str(connections), "-m", str(streams), "-t", "1"),
        *("-d", str(body), "--log-file", str(log)),
        *("-H", "content-type: application/grpc", "-H", "te: trailers"),
        f"http://{address}{METHOD}",
    ]


def figures(output: str, log: Path, size: int) -> dict[str, float]:
    """Calls, failures, calls a second and latency percentiles of an h2load run, from its
    summary and its per-call log; a call failed unless it brought back an answer of ``size``."""
    elapsed = float(_found(r"finished in ([\d.]+)s", output))
    done = int(_found(r"requests: \d+ total, \d+ started, (\d+) done", output))
    data = int(_found(r"traffic: .*\((\d+)\) data", output))
    latencies = sorted(int(line.split("\t")[2]) for line in log.read_text().splitlines() if line)
    if done == 0 or not latencies:
        raise RuntimeError(f"h2load completed no call:\n{output[-400:]}")
    answered = data // size
    return {
        "requests": done,
        "errors": max(0, done - answered),
        "rps": done / elapsed,
        "p50_ms": latencies[len(latencies) // 2] / 1e3,
        "p99_ms": latencies[int(len(latencies) * 0.99)] / 1e3,
        "mean_ms": sum(latencies) / len(latencies) / 1e3,
    }


def _found(pattern: str, output: str) -> str:
    match = re.search(pattern, output)
    if match is None:
        raise RuntimeError(f"h2load's summary has no {pattern!r}:\n{output[-400:]}")
    return match.group(1)
