"""Decode bombs against ``modelport serve`` (the default worker pool) held in a 1 GiB memory
cgroup: small bodies declaring gigabytes (V2 shapes with no data, gzip and deflate inflation,
Parquet and zstd/lz4 Arrow of 100M rows, CSV and JSON of millions of rows), each alone and
then all at once. Passes when every answer is a 400, 413 or 422, the kernel killed nothing in
the group, and the server answers a valid request afterwards.

    python benchmarks/decode_bombs.py [--home HOME] [--copies 2] [--json]

Without ``--home`` it builds ``echo`` into a scratch home first; with one, that home must hold
``echo`` (the suite's test passes its shared home). Prints the figures (JSON with --json).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import json
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
import orjson
import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
from echo_model import MODEL, ROW, Home
from memory_cap import MemoryCap

CGROUP_LIMIT = 1024**3
REFUSALS = (400, 413, 422)
V2 = f"/v2/models/{MODEL}/infer"
NATIVE = f"/v1/models/{MODEL}/predict"
HEADER_LENGTH = "inference-header-content-length"  # the V2 binary extension's header
WORKER_DIED = " died: "  # the pool's log line for a worker that crashed or was killed


@dataclass(frozen=True)
class Bomb:
    """One body and where it goes."""

    name: str
    path: str
    body: bytes
    headers: dict[str, str]


@dataclass
class Figures:
    """What one run found."""

    cap: str
    max_body_size: int | None  # None: the default (100 MiB)
    bombs: int
    requests: int
    statuses: dict[str, int]  # bomb name -> status; concurrent rounds add "name#N"
    unexpected: list[str]  # answers other than 400, 413 or 422 (or no answer)
    oom_kills: int
    peak_mib: float | None
    workers_lost: int  # workers that died during the run (crashed or killed), as logged
    valid_after: bool  # a valid request answered 200 at the end
    seconds: float

    @property
    def passed(self) -> bool:
        return (
            not self.unexpected
            and self.oom_kills == 0
            and self.workers_lost == 0
            and self.valid_after
        )


def bombs() -> list[Bomb]:
    """Every kind, each a few hundred KB or a few MB at most on the wire."""
    return [
        _v2_bytes_shape(),
        Bomb("V2 FP32 shape [500000000], no data", V2, _v2_json_shape(), _json()),
        Bomb("V2 shape of 65 dimensions", V2, _v2_deep_shape(), _json()),
        Bomb("gzip JSON inflating to 320 MB", NATIVE, _inflating("gzip"), _json("gzip")),
        Bomb("deflate JSON inflating to 320 MB", NATIVE, _inflating("deflate"), _json("deflate")),
        Bomb("Parquet of 100M rows", NATIVE, _hundred_million("parquet"), _type("parquet")),
        Bomb("Arrow zstd of 100M rows", NATIVE, _hundred_million("zstd"), _type("arrow")),
        Bomb("Arrow lz4 of 100M rows", NATIVE, _hundred_million("lz4"), _type("arrow")),
        Bomb("CSV of 2M rows", NATIVE, b"text\n" + b"a\n" * 2_000_000, _type("csv")),
        Bomb("gzip CSV of 60M rows", NATIVE, _gzip(b"text\n" + b"a\n" * 60_000_000), _csv_gz()),
        Bomb("JSON records of 2M rows", NATIVE, _gzip(_records(2_000_000)), _json("gzip")),
        Bomb("JSON columns of 20M floats", NATIVE, _gzip(_floats(20_000_000)), _json("gzip")),
        Bomb("Parquet of 1M rows x 120 columns", NATIVE, _wide_parquet(), _type("parquet")),
    ]


def _json(encoding: str | None = None) -> dict[str, str]:
    headers = {"content-type": "application/json"}
    return headers | ({"content-encoding": encoding} if encoding else {})


def _type(kind: str) -> dict[str, str]:
    return {
        "parquet": {"content-type": "application/vnd.apache.parquet"},
        "arrow": {"content-type": "application/vnd.apache.arrow.stream"},
        "csv": {"content-type": "text/csv"},
    }[kind]


def _csv_gz() -> dict[str, str]:
    return {"content-type": "text/csv", "content-encoding": "gzip"}


def _v2_bytes_shape() -> Bomb:
    """120 bytes declaring a BYTES tensor of 500M elements, none sent (binary extension)."""
    tensor = {"name": "text", "datatype": "BYTES", "shape": [1, 500_000_000]}
    header = orjson.dumps({"inputs": [tensor | {"parameters": {"binary_data_size": 0}}]})
    headers = {HEADER_LENGTH: str(len(header)), "content-type": "application/octet-stream"}
    return Bomb("V2 BYTES shape [1, 500000000], no data", V2, header, headers)


def _v2_json_shape() -> bytes:
    tensor = {"name": "text", "datatype": "FP32", "shape": [500_000_000], "data": []}
    return orjson.dumps({"inputs": [tensor]})


def _v2_deep_shape() -> bytes:
    tensor = {"name": "text", "datatype": "FP32", "shape": [1] * 65, "data": [0.0]}
    return orjson.dumps({"inputs": [tensor]})


def _inflating(encoding: str) -> bytes:
    """About 320 KB inflating to 320 MB of JSON (spaces in a string)."""
    wbits = 16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS
    deflater = zlib.compressobj(wbits=wbits)
    spaces = b" " * 1024**2
    chunks = [deflater.compress(b'[{"text": "')]
    chunks += [deflater.compress(spaces) for _ in range(320)]
    chunks += [deflater.compress(b'"}]'), deflater.flush()]
    return b"".join(chunks)


def _gzip(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=6)


def _records(rows: int) -> bytes:
    return b"[" + b",".join([b'{"text":"a"}'] * rows) + b"]"


def _floats(rows: int) -> bytes:
    """A columns-orient body: each float is 4 bytes of JSON and about 32 once parsed."""
    return b'{"text":[' + b",".join([b"0.5"] * rows) + b"]}"


def _hundred_million(kind: str) -> bytes:
    """100 batches of the same million zeros: a few hundred KB declaring 800 MB."""
    batch = pa.table({"text": pa.array([0] * 1_000_000, pa.int64())})
    sink = io.BytesIO()
    if kind == "parquet":
        with pq.ParquetWriter(sink, batch.schema) as parquet:
            for _ in range(100):
                parquet.write_table(batch)
    else:
        options = ipc.IpcWriteOptions(compression=kind)
        with ipc.new_stream(sink, batch.schema, options=options) as stream:
            for _ in range(100):
                stream.write_table(batch)
    return sink.getvalue()


def _wide_parquet() -> bytes:
    """A million rows of 120 int64 columns of zeros: 960 MB decoded, within 10 x
    --max-body-size (and --max-rows) at the defaults: only a bound drawn from the memory limit
    refuses it."""
    zeros = pa.array([0] * 1_000_000, pa.int64())
    table = pa.table({f"c{index}": zeros for index in range(120)})
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def send(client: httpx.Client, bomb: Bomb) -> int | None:
    """The status ``bomb`` gets; None when no answer came."""
    try:
        return client.post(bomb.path, content=bomb.body, headers=bomb.headers).status_code
    except httpx.TransportError:
        return None


def run(
    home: Home, *, copies: int, cgroups: bool = True, max_body_size: int | None = None
) -> Figures:
    """Serve ``echo`` from ``home`` under the cap (with ``--max-body-size`` when given);
    every bomb alone, then ``copies`` of each all at once; then one valid request."""
    loaded = bombs()
    started = time.monotonic()
    statuses: dict[str, int | None] = {}
    with MemoryCap.make(CGROUP_LIMIT, cgroups=cgroups) as cap:
        options = ["--max-body-size", str(max_body_size)] if max_body_size else []
        server = home.serve(*options, preexec_fn=cap.enter, log_name="bombs.log")
        try:
            with httpx.Client(base_url=server.url, timeout=300) as client:
                for bomb in loaded:
                    statuses[bomb.name] = send(client, bomb)
                together = [b for b in loaded for _ in range(copies)]
                with ThreadPoolExecutor(max_workers=len(together)) as pool:
                    answers = list(pool.map(lambda b: send(client, b), together))
                for index, (bomb, status) in enumerate(zip(together, answers, strict=True)):
                    statuses[f"{bomb.name}#{index % copies + 1}"] = status
                valid = client.post(NATIVE, json=ROW).status_code == 200
            oom_kills, peak = cap.oom_kills(), cap.peak_bytes()
        finally:
            server.stop()
        lost = server.output().count(WORKER_DIED)
        description = cap.describe()
    unexpected = [
        f"{name}: {status}" for name, status in statuses.items() if status not in REFUSALS
    ]
    return Figures(
        cap=description,
        max_body_size=max_body_size,
        bombs=len(loaded),
        requests=len(statuses),
        statuses={name: status or 0 for name, status in statuses.items()},
        unexpected=unexpected,
        oom_kills=oom_kills,
        peak_mib=None if peak is None else round(peak / 1024**2, 1),
        workers_lost=lost,
        valid_after=valid,
        seconds=round(time.monotonic() - started, 1),
    )


def summary(figures: Figures) -> str:
    """One line for the report."""
    peak = f", peak {figures.peak_mib:g} MiB" if figures.peak_mib is not None else ""
    limit = figures.max_body_size
    body = f"--max-body-size {limit / 1024**2:g} MiB" if limit else "the default limits"
    return (
        f"with {body}, {figures.requests} bomb requests ({figures.bombs} kinds, alone then "
        f"all at once) in "
        f"{figures.cap}: {figures.oom_kills} OOM kills, {len(figures.unexpected)} answers other "
        f"than 400/413/422, {figures.workers_lost} workers lost{peak}; a valid request after: "
        f"{'200' if figures.valid_after else 'failed'}"
    )


@contextlib.contextmanager
def _scratch_home() -> Iterator[Home]:
    with tempfile.TemporaryDirectory(prefix="decode-bombs-") as folder:
        home = Home(Path(folder))
        home.build_echo()
        yield home


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, help="a modelport home holding echo")
    parser.add_argument("--copies", type=int, default=2, help="of each bomb, all at once")
    parser.add_argument("--max-body-size", type=int, help="the server's, in bytes")
    parser.add_argument("--no-cgroup", action="store_true", help="bound with RLIMIT_AS only")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        home = Home(args.home) if args.home else stack.enter_context(_scratch_home())
        figures = run(
            home,
            copies=args.copies,
            cgroups=not args.no_cgroup,
            max_body_size=args.max_body_size,
        )
    print(
        json.dumps(asdict(figures) | {"passed": figures.passed}) if args.json else summary(figures)
    )
    return 0 if figures.passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
