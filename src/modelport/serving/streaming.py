"""Answers of streaming models: chunked NDJSON, or server-sent events when asked for.

A failure in the middle of a stream cannot change the status line any more; it ends the stream
with an error event (SSE) or an ``{"error": ...}`` line, and the server carries on.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pyarrow as pa
from starlette.responses import StreamingResponse

from modelport.batch import Batch
from modelport.errors import NotFound
from modelport.serving.runtime import ModelRuntime

log = logging.getLogger("modelport.serving")


def answers_in_rows(runtime: ModelRuntime) -> None:
    """Refuse (404, naming the route that answers) a protocol whose answers hold one row per
    input for a model that streams: its chunks do not line up with the rows it was given."""
    if runtime.streams:
        raise NotFound(
            f"model {runtime.name!r} streams its answers: this route answers one row per input",
            hint=f"POST /v1/models/{runtime.name}/predict answers it chunk by chunk",
        )


EVENT_STREAM = "text/event-stream"
NDJSON = "application/x-ndjson"


def chunk_json(chunk: Any) -> bytes:
    """One chunk as JSON (Arrow tables and DataFrames as lists of records)."""
    if isinstance(chunk, pa.Table):
        chunk = chunk.to_pylist()
    elif type(chunk).__module__.startswith("pandas") and hasattr(chunk, "to_dict"):
        chunk = chunk.to_dict(orient="records")
    return orjson.dumps(chunk, option=orjson.OPT_SERIALIZE_NUMPY, default=str)


def stream_response(
    runtime: ModelRuntime, batch: Batch, *, accept: str | None
) -> StreamingResponse:
    if accept and EVENT_STREAM in accept:
        return StreamingResponse(
            _events(runtime, batch),
            media_type=EVENT_STREAM,
            headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
        )
    return StreamingResponse(_lines(runtime, batch), media_type=NDJSON)


async def _lines(runtime: ModelRuntime, batch: Batch) -> AsyncIterator[bytes]:
    try:
        async for chunk in runtime.stream(batch):
            if isinstance(chunk, bytes):
                yield chunk
            elif isinstance(chunk, str):
                yield chunk.encode()
            else:
                yield chunk_json(chunk) + b"\n"
    except Exception as exc:
        log.error("stream of %s failed: %s: %s", runtime.name, type(exc).__name__, exc)
        yield orjson.dumps({"error": _problem(exc)}) + b"\n"


async def _events(runtime: ModelRuntime, batch: Batch) -> AsyncIterator[bytes]:
    try:
        async for chunk in runtime.stream(batch):
            data = chunk.decode() if isinstance(chunk, bytes) else None
            payload = data.encode() if data is not None else chunk_json(chunk)
            yield b"data: " + payload.replace(b"\n", b"\ndata: ") + b"\n\n"
    except Exception as exc:
        log.error("stream of %s failed: %s: %s", runtime.name, type(exc).__name__, exc)
        yield b"event: error\ndata: " + orjson.dumps(_problem(exc)) + b"\n\n"
        return
    yield b"event: end\ndata: {}\n\n"


def _problem(exc: Exception) -> dict[str, str]:
    return {"title": type(exc).__name__, "detail": str(exc)}
