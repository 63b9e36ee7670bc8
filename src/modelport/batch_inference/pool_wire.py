"""What a pool's coordinator and its chunk workers say to each other, over pipes.

To a worker (its stdin, bytes): first the job, one JSON line ``{"job": {...}}``; then each chunk
as one JSON line ``{"source": I, "chunk": N, "first_row": R, "bytes": B}`` followed by ``B``
bytes, the chunk's rows as an Arrow IPC stream. End of file: no more chunks.

From a worker (a pipe of its own, text): one JSON line per chunk, ``{"source": I, "chunk": N,
"pid": P, "done": {...}}`` (the manifest's :class:`DoneChunk`) or ``{"source": I, "chunk": N,
"pid": P, "error": {"kind": CLASS, "message": ..., "hint": ..., "field": ...}}``, ``kind`` the
name of the modelport error raised (``internal`` for anything else).
"""

from __future__ import annotations

import json
from typing import IO, Any

import pyarrow as pa
import pyarrow.ipc as ipc

from modelport import errors
from modelport.batch_inference.answering import Finished
from modelport.batch_inference.chunks import Chunk
from modelport.batch_inference.job import BatchJob, job_from_json, job_to_json
from modelport.batch_inference.manifest import DoneChunk
from modelport.errors import ModelportError

INTERNAL = "internal"


def send_job(out: IO[bytes], job: BatchJob) -> None:
    out.write(json.dumps({"job": job_to_json(job)}).encode() + b"\n")
    out.flush()


def read_job(source: IO[bytes]) -> BatchJob:
    return job_from_json(json.loads(source.readline())["job"])


def send_chunk(out: IO[bytes], number: int, chunk: Chunk) -> None:
    """Chunk ``chunk`` of input ``number``: its header line, then its rows."""
    sink = pa.BufferOutputStream()
    with ipc.new_stream(sink, chunk.rows.schema) as writer:
        writer.write_table(chunk.rows)
    body = sink.getvalue()
    header = {"source": number, "chunk": chunk.number, "first_row": chunk.first_row}
    out.write(json.dumps({**header, "bytes": body.size}).encode() + b"\n")
    out.write(memoryview(body))
    out.flush()


def read_chunk(source: IO[bytes]) -> tuple[int, Chunk] | None:
    """The next chunk sent (its input's number and the chunk), or None at the end."""
    line = source.readline()
    if not line:
        return None
    header = json.loads(line)
    body = source.read(header["bytes"])
    if len(body) != header["bytes"]:
        raise EOFError(f"the chunk's rows ended after {len(body)} of {header['bytes']} bytes")
    rows = ipc.open_stream(pa.py_buffer(body)).read_all()
    return header["source"], Chunk(header["chunk"], header["first_row"], rows)


def done_line(source: int, chunk: int, pid: int, done: DoneChunk) -> str:
    body = {"source": source, "chunk": chunk, "pid": pid, "done": vars(done)}
    return json.dumps(body) + "\n"


def failed_line(source: int, chunk: int, pid: int, exc: BaseException) -> str:
    error: dict[str, str | None]
    if isinstance(exc, ModelportError):
        error = {"kind": type(exc).__name__, "message": exc.message}
        error |= {"hint": exc.hint, "field": exc.field}
    else:
        error = {"kind": INTERNAL, "message": f"{type(exc).__name__}: {exc}"}
    body = {"source": source, "chunk": chunk, "pid": pid, "error": error}
    return json.dumps(body) + "\n"


def read_reply(line: str) -> Finished:
    """What a worker's reply line says of its chunk."""
    body = json.loads(line)
    if "done" in body:
        return Finished(body["source"], body["chunk"], DoneChunk(**body["done"]))
    return Finished(body["source"], body["chunk"], None, _error(body["error"], body["pid"]))


def _error(error: dict[str, Any], pid: int) -> ModelportError:
    """The modelport error a worker raised, raised again here as its own class."""
    kind = getattr(errors, error["kind"], None)
    if isinstance(kind, type) and issubclass(kind, ModelportError):
        return kind(error["message"], hint=error.get("hint"), field=error.get("field"))
    return ModelportError(
        f"internal error in the worker process {pid}: {error['message']}",
        hint="run again with --debug for its traceback",
    )
