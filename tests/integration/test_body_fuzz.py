"""Mutated binary bodies sent to a real server process with a pool of two workers: Arrow IPC
streams and files and Parquet files on the native predict route, Open Inference V2 bodies with
binary tensors, and msgpack bodies on a Truss's predict route (the one route that reads msgpack).
Each variant of a valid body (``body_mutations``) is answered below 500, no worker dies, and a
valid request is still answered after.

Bounded here (a fixed seed, ``MODELPORT_FUZZ_BODIES`` variants, 300 by default); ``make
fuzz-bodies`` sends many more. A failure names the seed, the variant's index and the mutations,
and saves the body (and its headers) under the test's temporary folder.
"""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx
import msgpack
import numpy as np
import orjson
import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest

from modelport.testing.server import free_port

from .body_mutations import (
    V2_HEADER_LENGTH,
    Body,
    Mutator,
    Variant,
    file_frames,
    ipc_stream_frames,
)
from .cli import run_cli

BODIES = int(os.environ.get("MODELPORT_FUZZ_BODIES", "300"))
SEED = int(os.environ.get("MODELPORT_FUZZ_SEED", "1"))
MEMORY_CAP = 3 * 1024**3
"""The server's address space: room for two workers, far from the machine's memory."""
ROOT = Path(__file__).resolve().parents[2]

ARROW_STREAM = "application/vnd.apache.arrow.stream"
ARROW_FILE = "application/vnd.apache.arrow.file"
PARQUET = "application/vnd.apache.parquet"
MSGPACK = "application/octet-stream"

SERVER = """
import resource
import sys

resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[2]), int(sys.argv[2])))

import modelport
from modelport import Field, Signature
from modelport.formats.native.python_model import PythonModelServable
from modelport.registry.uris import open_store
from modelport.serving.conventions import Services
from modelport.serving.launch import Served, ServeOptions, serve
from modelport.serving.loader import load_artifact
from modelport.settings import Settings


class Typed(modelport.Model):
    def predict(self, df):
        return df.assign(total=df["x"] + df["n"])[["total"]]


class Anything(modelport.Model):
    def predict(self, batch):
        return batch


typed = Signature(
    inputs=[Field("x", float), Field("n", int), Field("label", str), Field("flag", bool)],
    outputs=[Field("total", float)],
)
free = Signature(strict=False, free_form=True)
settings = Settings(home=sys.argv[3])
store = open_store(None, settings=settings)
version = store.resolve("truss-fuzz")
truss = load_artifact(store.artifact_path(version), settings=settings, version=version.number)
served = [
    Served(PythonModelServable(Typed(), name="typed", signature=typed), 1),
    Served(PythonModelServable(Anything(), name="anything", signature=free), 1),
    Served(truss.servable, version.number),
]
options = ServeOptions(port=int(sys.argv[1]), workers=2, timeout=30.0, max_body_size=2**20)
serve(served, options, Services(home=settings.home))
"""

TRUSS_CONFIG = "model_name: truss-fuzz\n"
TRUSS_MODEL = """
class Model:
    def predict(self, model_input):
        return {"echo": model_input}
"""


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def workers(self) -> set[int]:
        pid = self.process.pid
        return {int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("body-fuzz")
    truss = folder / "truss-fuzz"
    (truss / "model").mkdir(parents=True)
    (truss / "config.yaml").write_text(TRUSS_CONFIG)
    (truss / "model" / "model.py").write_text(TRUSS_MODEL)
    home = folder / "home"
    built = run_cli("build", str(truss), "--env", "inherit", home=home)
    assert built.code == 0, built.stderr
    (folder / "server.py").write_text(SERVER)
    port = free_port()
    log = folder / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, str(folder / "server.py"), str(port), str(MEMORY_CAP), str(home)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    running = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + 90
        while not _ready(running.url):
            assert process.poll() is None, running.output()
            assert time.monotonic() < deadline, running.output()
            time.sleep(0.1)
        yield running
    finally:
        process.terminate()
        process.wait(timeout=30)


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/v2/health/ready", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


# --- valid bodies --------------------------------------------------------------------------------


def _typed_table(rows: int, rng: random.Random) -> pa.Table:
    return pa.table(
        {
            "x": pa.array([rng.uniform(-1e3, 1e3) for _ in range(rows)], pa.float64()),
            "n": pa.array([rng.randint(-(2**40), 2**40) for _ in range(rows)], pa.int64()),
            "label": pa.array([f"row {i} é" for i in range(rows)], pa.string()),
            "flag": pa.array([i % 2 == 0 for i in range(rows)], pa.bool_()),
        }
    )


def _varied_table(rows: int) -> pa.Table:
    """Types a free-form model receives as they come: nulls, dictionaries, lists, structs."""
    return pa.table(
        {
            "f": pa.array([1.5, None, 3.0, 4.25][:rows] * (rows // 4 + 1))[:rows],
            "d": pa.array(["a", "b", "a", "c"] * (rows // 4 + 1)).dictionary_encode()[:rows],
            "l": pa.array([[1, 2], [], None, [3]] * (rows // 4 + 1), pa.list_(pa.int32()))[:rows],
            "s": pa.array([{"k": i, "v": str(i)} for i in range(rows)]),
            "ls": pa.array(["long text"] * rows, pa.large_string()),
            "t": pa.array(list(range(rows)), pa.timestamp("ms")),
        }
    )


def _arrow_stream(table: pa.Table, compression: Literal["lz4", "zstd"] | None = None) -> bytes:
    sink = pa.BufferOutputStream()
    options = ipc.IpcWriteOptions(compression=compression)
    with ipc.new_stream(sink, table.schema, options=options) as writer:
        for batch in table.to_batches(max_chunksize=3):
            writer.write_batch(batch)
    return sink.getvalue().to_pybytes()


def _arrow_file(table: pa.Table, compression: Literal["lz4", "zstd"] | None = None) -> bytes:
    sink = pa.BufferOutputStream()
    options = ipc.IpcWriteOptions(compression=compression)
    with ipc.new_file(sink, table.schema, options=options) as writer:
        for batch in table.to_batches(max_chunksize=3):
            writer.write_batch(batch)
    return sink.getvalue().to_pybytes()


def _parquet(table: pa.Table, compression: Literal["none", "snappy", "zstd", "gzip"]) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression=compression, row_group_size=3)
    return sink.getvalue()


def _v2_binary(path: str, tensors: list[tuple[str, str, list[int], bytes]]) -> Body:
    """A V2 request with every tensor's data after the JSON header."""
    inputs = [
        {"name": n, "datatype": t, "shape": s, "parameters": {"binary_data_size": len(data)}}
        for n, t, s, data in tensors
    ]
    header = orjson.dumps({"id": "fuzz", "inputs": inputs})
    content = header + b"".join(data for *_, data in tensors)
    headers = {"content-type": MSGPACK, V2_HEADER_LENGTH: str(len(header))}
    return Body("v2-binary", path, content, headers)


def _v2_strings(values: list[bytes]) -> bytes:
    return b"".join(len(v).to_bytes(4, "little") + v for v in values)


def _tables() -> Iterator[Body]:
    """Each table as Arrow IPC streams and files (uncompressed, zstd, lz4) and Parquet."""
    rng = random.Random(0)
    for model, table in (("typed", _typed_table(7, rng)), ("anything", _varied_table(7))):
        path = f"/v1/models/{model}/predict"
        for compression in (None, "zstd", "lz4"):
            stream = _arrow_stream(table, compression)
            yield Body("arrow-stream", path, stream, _type(ARROW_STREAM), ipc_stream_frames(stream))
            file = _arrow_file(table, compression)
            frames = (*ipc_stream_frames(file), *file_frames(file, b"ARROW1"))
            yield Body("arrow-file", path, file, _type(ARROW_FILE), frames)
        for codec in ("none", "snappy", "zstd", "gzip"):
            parquet = _parquet(table, codec)
            yield Body("parquet", path, parquet, _type(PARQUET), file_frames(parquet, b"PAR1"))


def _v2_bodies() -> Iterator[Body]:
    x = np.array([0.5, 1.5, -2.0], "<f8").tobytes()
    n = np.array([1, 2, 3], "<i8").tobytes()
    labels = _v2_strings([b"a", "é".encode(), b""])
    yield _v2_binary(
        "/v2/models/typed/infer",
        [
            ("x", "FP64", [3], x),
            ("n", "INT64", [3], n),
            ("label", "BYTES", [3], labels),
            ("flag", "BOOL", [3], bytes([1, 0, 1])),
        ],
    )
    matrix = np.arange(12, dtype="<f4").tobytes()
    yield _v2_binary("/v2/models/anything/infer", [("m", "FP32", [3, 4], matrix)])
    strings = _v2_strings([b"x", b"yz"])
    yield _v2_binary("/v2/models/anything/infer", [("s", "BYTES", [2, 1], strings)])


def _msgpack_bodies() -> Iterator[Body]:
    for value in (
        {"text": "hello", "n": 3, "items": [1.5, None, True]},
        {"nested": {"a": [b"bytes", {"deep": list(range(20))}]}, "big": 2**63 - 1},
        [1, "two", {"three": 3.0}],
    ):
        content = msgpack.packb(value)
        yield Body("msgpack", "/v1/models/truss-fuzz:predict", content, _type(MSGPACK))


def _type(media: str) -> dict[str, str]:
    return {"content-type": media}


SEEDS = [*_tables(), *_v2_bodies(), *_msgpack_bodies()]


# --- the test ------------------------------------------------------------------------------------


def _save(variant: Variant, index: int, folder: Path) -> Path:
    saved = folder / f"body-{SEED}-{index}.bin"
    saved.write_bytes(variant.body.content)
    meta = {
        "path": variant.body.path,
        "headers": variant.body.headers,
        "mutations": variant.mutations,
    }
    saved.with_suffix(".json").write_text(json.dumps(meta, indent=2))
    return saved


def test_every_seed_is_answered_200(server: Server) -> None:
    """The valid bodies the variants come from are answered: the fuzzer starts from bodies the
    server reads, so what it finds is in the decoders, not in the seeds."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for body in SEEDS:
            answer = client.post(body.path, content=body.content, headers=body.headers)
            assert answer.status_code == 200, (body.kind, body.path, answer.text)


def test_mutated_bodies_never_get_a_server_error(server: Server, tmp_path: Path) -> None:
    workers = server.workers()
    assert len(workers) == 2
    mutator = Mutator(SEEDS, SEED)
    counts: dict[int, int] = {}
    with httpx.Client(base_url=server.url, timeout=60) as client:
        for index in range(BODIES):
            variant = mutator.variant(index)
            body = variant.body
            try:
                answer = client.post(body.path, content=body.content, headers=body.headers)
            except httpx.TransportError as exc:
                saved = _save(variant, index, tmp_path)
                pytest.fail(
                    f"seed {SEED} variant {index} ({variant.mutations}) to {body.path}: "
                    f"{exc!r}; body saved to {saved}\n{server.output()[-4000:]}"
                )
            counts[answer.status_code] = counts.get(answer.status_code, 0) + 1
            if answer.status_code >= 500 or server.workers() != workers:
                saved = _save(variant, index, tmp_path)
                pytest.fail(
                    f"seed {SEED} variant {index} ({variant.mutations}) to {body.path}: "
                    f"{answer.status_code} {answer.text[:500]}; workers {workers} -> "
                    f"{server.workers()}; body saved to {saved}\n{server.output()[-4000:]}"
                )
        print(f"{BODIES} bodies (seed {SEED}): answers {dict(sorted(counts.items()))}")
        valid = SEEDS[0]
        answer = client.post(valid.path, content=valid.content, headers=valid.headers)
        assert answer.status_code == 200, answer.text
    assert server.process.poll() is None
    assert server.workers() == workers
    assert "Traceback" not in server.output(), server.output()[-4000:]
