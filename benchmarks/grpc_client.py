"""A closed-loop gRPC load: ``CONNECTIONS`` callers each send ``ModelInfer`` again as soon as the
last answer arrives, for ``SECONDS``; prints requests, errors, req/s and latency percentiles as one
JSON line. Run in its own process (``grpc_bench.py`` starts it), so the server under load shares
nothing with it but the machine.

By default each caller has a channel, and so a connection, of its own, as each of wrk's
connections is one (and as callers in separate processes, or each with its own client, are):
channels to one address otherwise share one HTTP/2 connection, which a server's worker processes
cannot split (the kernel hands a connection to one of them). ``CHANNELS`` fewer than the callers
share them out in turn (1: every call on one connection, as callers sharing one client's are).

    python grpc_client.py ADDRESS MODEL LAYOUT CONNECTIONS SECONDS [CHANNELS]

``LAYOUT`` is ``columns`` (one FP64 tensor per iris feature, as modelport's iris-svc takes them)
or ``matrix`` (one [1, 4] FP64 tensor, as MLServer's sklearn runtime takes it).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import grpc
import numpy as np
from tritonclient.grpc import service_pb2

ROW = np.array([[5.1, 3.5, 1.4, 0.2]])
FEATURES = ("sepal_length", "sepal_width", "petal_length", "petal_width")


def request(model: str, layout: str) -> bytes:
    message = service_pb2.ModelInferRequest(model_name=model)
    if layout == "columns":
        for index, name in enumerate(FEATURES):
            message.inputs.add(name=name, datatype="FP64", shape=[1])
            message.raw_input_contents.append(ROW[:, index].astype("<f8").tobytes())
    else:
        message.inputs.add(name="predict", datatype="FP64", shape=[1, 4])
        message.raw_input_contents.append(ROW.astype("<f8").tobytes())
    return message.SerializeToString()


async def load(
    address: str, body: bytes, connections: int, seconds: float, channel_count: int
) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    own_connection = [("grpc.use_local_subchannel_pool", 1)]
    channels = [
        grpc.aio.insecure_channel(address, options=own_connection) for _ in range(channel_count)
    ]
    try:
        calls = [
            channel.unary_unary(
                "/inference.GRPCInferenceService/ModelInfer",
                request_serializer=lambda b: b,
                response_deserializer=lambda b: b,
            )
            for channel in channels
        ]
        for infer in calls:
            await infer(body)  # warm: every connection is up before the clock starts
        stop = time.perf_counter() + seconds

        async def caller(infer: grpc.aio.UnaryUnaryMultiCallable) -> None:
            nonlocal errors
            while (started := time.perf_counter()) < stop:
                try:
                    await infer(body)
                except grpc.aio.AioRpcError:
                    errors += 1
                latencies.append(time.perf_counter() - started)

        began = time.perf_counter()
        await asyncio.gather(*(caller(calls[k % len(calls)]) for k in range(connections)))
        elapsed = time.perf_counter() - began
    finally:
        for channel in channels:
            await channel.close()
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "errors": errors,
        "rps": len(ordered) / elapsed,
        "p50_ms": ordered[len(ordered) // 2] * 1e3,
        "p99_ms": ordered[int(len(ordered) * 0.99)] * 1e3,
        "mean_ms": sum(ordered) / len(ordered) * 1e3,
    }


def main(argv: list[str]) -> None:
    address, model, layout, connections, seconds, *rest = argv
    channel_count = int(rest[0]) if rest else int(connections)
    body = request(model, layout)
    figures = load(address, body, int(connections), float(seconds), channel_count)
    print(json.dumps(asyncio.run(figures)))


if __name__ == "__main__":
    main(sys.argv[1:])
