"""What a pool's coordinator and its chunk workers say to each other, over pipes.

To a worker (its stdin, bytes): first the job, one JSON line ``{"job": {...}}``; then each chunk
as one JSON line ``{"source": I, "chunk": N, "first_row": R, "bytes": B}`` followed by ``B``
bytes, the chunk's rows as an Arrow IPC stream. End of file: no more chunks.

From a worker (a pipe of its own, text, one JSON line each): first, once the model is loaded,
``{"pid": P, "plan": {...}}`` (the job's :class:`JobPlan`, which the coordinator follows, so it
never loads the model itself), or ``{"pid": P, "error": {...}}`` when the model cannot be loaded
or the job planned; then one line per chunk, ``{"source": I, "chunk": N, "pid": P, "done":
{...}}`` (the manifest's :class:`DoneChunk`) or the same with ``"error"``. An error is ``{"kind":
CLASS, "message": ..., "hint": ..., "field": ...}``, ``kind`` the name of the modelport error
raised (``internal`` for anything else).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import IO, Any

import pyarrow as pa
import pyarrow.ipc as ipc

from modelport import errors
from modelport.batch_inference.answering import Finished
from modelport.batch_inference.chunks import Chunk
from modelport.batch_inference.job import BatchJob, job_from_json, job_to_json
from modelport.batch_inference.manifest import DoneChunk
from modelport.batch_inference.plan import JobPlan
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


@dataclass(frozen=True)
class Ready:
    """A worker has loaded the model and planned the job."""

    plan: JobPlan


@dataclass(frozen=True)
class LoadFailed:
    """A worker could not load the model or plan the job."""

    error: ModelportError


def ready_line(pid: int, plan: JobPlan) -> str:
    types = None if plan.csv_types is None else plan.csv_types.serialize().to_pybytes()
    body = {
        "columns": [list(columns) for columns in plan.columns],
        "chunk_rows": plan.chunk_rows,
        "csv_types": None if types is None else base64.b64encode(types).decode(),
    }
    return json.dumps({"pid": pid, "plan": body}) + "\n"


def load_failed_line(pid: int, exc: BaseException) -> str:
    return json.dumps({"pid": pid, "error": _error_body(exc)}) + "\n"


def done_line(source: int, chunk: int, pid: int, done: DoneChunk) -> str:
    body = {"source": source, "chunk": chunk, "pid": pid, "done": vars(done)}
    return json.dumps(body) + "\n"


def failed_line(source: int, chunk: int, pid: int, exc: BaseException) -> str:
    body = {"source": source, "chunk": chunk, "pid": pid, "error": _error_body(exc)}
    return json.dumps(body) + "\n"


def read_reply(line: str) -> Finished | Ready | LoadFailed:
    """What a worker's reply line says: it is ready, it failed to be, or a chunk is finished."""
    body = json.loads(line)
    if "plan" in body:
        return Ready(_plan(body["plan"]))
    if "chunk" not in body:
        return LoadFailed(_error(body["error"], body["pid"]))
    if "done" in body:
        return Finished(body["source"], body["chunk"], DoneChunk(**body["done"]))
    return Finished(body["source"], body["chunk"], None, _error(body["error"], body["pid"]))


def _plan(body: dict[str, Any]) -> JobPlan:
    types = body["csv_types"]
    schema = None if types is None else ipc.read_schema(pa.py_buffer(base64.b64decode(types)))
    columns = tuple(tuple(each) for each in body["columns"])
    return JobPlan(columns, body["chunk_rows"], schema)


def _error_body(exc: BaseException) -> dict[str, str | None]:
    if isinstance(exc, ModelportError):
        return {"kind": type(exc).__name__, "message": exc.message, "hint": exc.hint,
                "field": exc.field}  # fmt: skip
    return {"kind": INTERNAL, "message": f"{type(exc).__name__}: {exc}"}


def _error(error: dict[str, Any], pid: int) -> ModelportError:
    """The modelport error a worker raised, raised again here as its own class."""
    kind = getattr(errors, error["kind"], None)
    if isinstance(kind, type) and issubclass(kind, ModelportError):
        return kind(error["message"], hint=error.get("hint"), field=error.get("field"))
    return ModelportError(
        f"internal error in the worker process {pid}: {error['message']}",
        hint="run again with --debug for its traceback",
    )
