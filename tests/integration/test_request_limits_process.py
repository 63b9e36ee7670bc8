"""Small bodies declaring gigabytes, sent to a real server process whose address space is capped
(RLIMIT_AS), so that a server allocating what they declare fails there and never endangers the
machine: each is refused with a 413 or 422 naming the limit, and the server keeps answering."""

from __future__ import annotations

import io
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest

from modelport.codecs.v2_bodies import HEADER_LENGTH
from modelport.testing.server import free_port

ARROW = "application/vnd.apache.arrow.stream"
MEMORY_CAP = 1536 * 1024**2
"""The server's address space: room to serve, far from the gigabytes these bodies declare."""

SERVER = """
import resource
import sys

resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[2]), int(sys.argv[2])))

import uvicorn

import modelport
from modelport import Signature
from modelport.formats.native.python_model import PythonModelServable
from modelport.serving.app import AppOptions, create_app
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime


class Anything(modelport.Model):
    def predict(self, batch: dict) -> dict:
        return batch


free = Signature(strict=False, free_form=True)
runtime = ModelRuntime(PythonModelServable(Anything(), name="anything", signature=free))
runtime.load()
limits = [int(value) for value in sys.argv[3:]]  # none: the defaults (100 MiB, 1,000,000 rows)
options = AppOptions(max_body_size=limits[0], max_rows=limits[1]) if limits else AppOptions()
app = create_app(ModelSet([runtime]), options)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


Server = tuple[str, "subprocess.Popen[bytes]"]


def _capped_server(script: Path, *limits: int) -> Iterator[Server]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(script), str(port), str(MEMORY_CAP), *map(str, limits)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            try:
                if httpx.get(f"{base}/v2/health/live", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("capped") / "server.py"
    path.write_text(SERVER)
    return path


@pytest.fixture(scope="module")
def server(script: Path) -> Iterator[Server]:
    yield from _capped_server(script)


def _still_serving(server: Server) -> None:
    base, process = server
    assert process.poll() is None
    assert httpx.get(f"{base}/v2/health/live", timeout=10).status_code == 200


def _post(base: str, path: str, content: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{base}{path}", content=content, headers=headers, timeout=120)


def test_a_bytes_tensor_declaring_half_a_billion_elements_is_refused_before_allocating(
    server: Server,
) -> None:
    header = orjson.dumps(
        {
            "inputs": [
                {
                    "name": "blob",
                    "datatype": "BYTES",
                    "shape": [1, 500_000_000],
                    "parameters": {"binary_data_size": 0},
                }
            ]
        }
    )
    assert len(header) < 200
    answer = _post(
        server[0], "/v2/models/anything/infer", header, {HEADER_LENGTH: str(len(header))}
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == "blob"
    assert "500,000,000 BYTES elements" in answer.json()["detail"]
    _still_serving(server)


def test_gzip_inflating_past_max_body_size_is_413(
    server: Server,
) -> None:
    deflater = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
    chunks = [deflater.compress(b'{"inputs": [], "pad": "')]
    spaces = b" " * 1024**2
    chunks += [deflater.compress(spaces) for _ in range(320)]  # 320 MB inflated
    chunks += [deflater.compress(b'"}'), deflater.flush()]
    body = b"".join(chunks)
    assert len(body) < 400_000
    answer = _post(server[0], "/v2/models/anything/infer", body, {"content-encoding": "gzip"})
    assert answer.status_code == 413, answer.text
    assert "--max-body-size" in answer.json()["detail"]
    _still_serving(server)


def _hundred_million_rows(kind: str, hundreds: int = 1) -> bytes:
    """100 batches of the same million zeros (per hundred): a few hundred KB declaring 800 MB."""
    batch = pa.table({"x": pa.array([0] * 1_000_000, pa.int64())})
    sink = io.BytesIO()
    if kind == "parquet":
        with pq.ParquetWriter(sink, batch.schema) as parquet:
            for _ in range(100 * hundreds):
                parquet.write_table(batch)
    else:
        options = ipc.IpcWriteOptions(compression="zstd")
        with ipc.new_stream(sink, batch.schema, options=options) as stream:
            for _ in range(100 * hundreds):
                stream.write_table(batch)
    return sink.getvalue()


@pytest.mark.parametrize(
    ("kind", "media_type"),
    [
        ("parquet", "application/vnd.apache.parquet"),
        ("arrow", "application/vnd.apache.arrow.stream"),
    ],
)
def test_a_small_file_of_a_hundred_million_rows_is_413_naming_max_rows(
    server: Server, kind: str, media_type: str
) -> None:
    body = _hundred_million_rows(kind)
    assert len(body) < 3 * 1024**2
    answer = _post(server[0], "/v1/models/anything/predict", body, {"content-type": media_type})
    assert answer.status_code == 413, answer.text[:500]
    detail = answer.json()["detail"]
    assert "100,000,000 rows" in detail
    assert "--max-rows" in detail
    _still_serving(server)


def test_memory_arrow_cannot_get_is_413_and_the_server_stays_up(script: Path) -> None:
    """With limits raised past what the server's memory holds, Arrow's failed allocation is a
    413 (not a 500), and the next request is served."""
    body = _hundred_million_rows("arrow", hundreds=2)  # 1.6 GB: more than the cap
    for server in _capped_server(script, 10**9, 10**9):
        answer = _post(server[0], "/v1/models/anything/predict", body, {"content-type": ARROW})
        assert answer.status_code == 413, answer.text[:500]
        assert "more memory than the server has" in answer.json()["detail"]
        _still_serving(server)


def test_the_cap_is_real() -> None:
    """An interpreter capped as the server is cannot allocate what these bodies declare."""
    probe = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[1]), int(sys.argv[1])))\n"
        "try:\n    bytearray(2 * 1024**3)\nexcept MemoryError:\n    print('capped')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(MEMORY_CAP)], capture_output=True, text=True, check=False
    )
    assert result.stdout.strip() == "capped", result.stderr
