"""What a pool's coordinator and its workers say over their pipes: the job and chunks sent and
read back whole, one after another, and a worker's replies read back as its plan, the chunk
done or the error it raised, as that error's own class."""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow as pa

from modelport.batch_inference.answering import Finished
from modelport.batch_inference.chunks import Chunk
from modelport.batch_inference.files import InputFile
from modelport.batch_inference.job import BatchJob
from modelport.batch_inference.manifest import DoneChunk
from modelport.batch_inference.plan import JobPlan
from modelport.batch_inference.pool_wire import (
    LoadFailed,
    Ready,
    done_line,
    failed_line,
    load_failed_line,
    read_chunk,
    read_job,
    read_reply,
    ready_line,
    send_chunk,
    send_job,
)
from modelport.errors import ConfigError, InvalidInput, ModelportError

JOB = BatchJob(
    inputs=(InputFile(Path("/data/a.csv"), "csv", 10, 5),),
    output=Path("/data/out.parquet"),
    output_format="parquet",
    into_folder=False,
    chunk_rows=None,
    model="sha256:ab",
    keep=("id",),
)


def test_the_job_then_chunks_are_read_back_whole_and_in_turn() -> None:
    first = Chunk(0, 0, pa.table({"x": [1.0, 2.0], "s": ["a", "b"]}))
    second = Chunk(7, 700, pa.table({"x": [3.0], "s": ["c"]}))
    pipe = io.BytesIO()
    send_job(pipe, JOB)
    send_chunk(pipe, 0, first)
    send_chunk(pipe, 2, second)
    pipe.seek(0)
    assert read_job(pipe) == JOB
    number, chunk = read_chunk(pipe) or (None, None)
    assert number == 0 and chunk == first and chunk.rows.equals(first.rows)
    number, chunk = read_chunk(pipe) or (None, None)
    assert number == 2 and chunk is not None
    assert (chunk.number, chunk.first_row) == (7, 700) and chunk.rows.equals(second.rows)
    assert read_chunk(pipe) is None


def test_replies_read_back_as_a_chunk_done_or_the_error_raised() -> None:
    done = read_reply(done_line(1, 4, 99, DoneChunk("p.parquet", 10, "_errors-p.parquet", 2)))
    assert isinstance(done, Finished) and (done.source, done.chunk, done.error) == (1, 4, None)
    assert done.done == DoneChunk("p.parquet", 10, "_errors-p.parquet", 2)

    refused = InvalidInput("input 'y' is null in row 5", hint="send a value", field="y")
    failed = read_reply(failed_line(0, 3, 99, refused))
    assert (
        isinstance(failed, Finished) and failed.done is None and type(failed.error) is InvalidInput
    )
    assert (failed.error.message, failed.error.hint, failed.error.field) == (
        "input 'y' is null in row 5",
        "send a value",
        "y",
    )

    broken = read_reply(failed_line(0, 3, 99, ValueError("boom")))
    assert isinstance(broken, Finished) and type(broken.error) is ModelportError
    assert broken.error.message == "internal error in the worker process 99: ValueError: boom"


def test_a_workers_plan_or_its_failure_to_load_reads_back() -> None:
    plan = JobPlan((("x", "id"), ("x",)), 1024, pa.schema([("x", pa.float32())]))
    ready = read_reply(ready_line(5, plan))
    assert isinstance(ready, Ready) and ready.plan == plan
    untyped = read_reply(ready_line(5, JobPlan((("x",),), 8, None)))
    assert isinstance(untyped, Ready) and untyped.plan.csv_types is None

    failed = read_reply(load_failed_line(5, ConfigError("no model class found in main/")))
    assert isinstance(failed, LoadFailed) and type(failed.error) is ConfigError
    assert failed.error.message == "no model class found in main/"
