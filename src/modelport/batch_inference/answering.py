"""How a chunk is answered: the model's answer to its rows written as the chunk's part file (and
its refused rows as an errors part), here in this process (:class:`AnsweredHere`) or by a pool of
worker processes (``pool.ChunkPool``), behind one seam, :class:`ChunkAnswerer`.

The runner hands chunks to an answerer and notes in the manifest each chunk it reports
:class:`Finished`. A pool answers several chunks at once, so a chunk is reported when it is done,
not when it was handed over, and not necessarily in order: the manifest keys chunks by number,
and the parts are joined in order at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import pyarrow as pa

from modelport.batch_inference.chunks import Chunk
from modelport.batch_inference.files import EXTENSIONS, InputFile, write_table
from modelport.batch_inference.job import BatchJob
from modelport.batch_inference.manifest import DoneChunk
from modelport.batch_inference.predictor import FAILURES, ChunkAnswer, ChunkPredictor
from modelport.errors import InvalidInput, ModelFailed, ModelportError


@dataclass(frozen=True)
class Finished:
    """Chunk ``chunk`` of input ``source``: done (its parts written) or failed with ``error``."""

    source: int
    chunk: int
    done: DoneChunk | None
    error: ModelportError | None = None


class ChunkAnswerer(Protocol):
    """Answers chunks handed to it, reporting each once it is finished."""

    def answer(self, number: int, source: InputFile, chunk: Chunk) -> list[Finished]:
        """Hand over chunk ``chunk`` of input ``number`` (``source``); answers the chunks
        finished meanwhile (waiting, when all hands are busy, until one is)."""
        ...

    def drain(self) -> list[Finished]:
        """Wait for every chunk handed over and not yet reported; answers them."""
        ...


class AnsweredHere:
    """Chunks answered one at a time in this process, by a model loaded here."""

    def __init__(self, job: BatchJob, predictor: ChunkPredictor) -> None:
        self.job = job
        self.predictor = predictor

    def answer(self, number: int, source: InputFile, chunk: Chunk) -> list[Finished]:
        done = answer_chunk(self.job, self.predictor, number, source, chunk)
        return [Finished(number, chunk.number, done)]

    def drain(self) -> list[Finished]:
        return []


def answer_chunk(
    job: BatchJob, predictor: ChunkPredictor, number: int, source: InputFile, chunk: Chunk
) -> DoneChunk:
    """Answer ``chunk`` (of input ``number``) and write its parts into the job's parts folder;
    InvalidInput or ModelFailed naming the file and the chunk's rows for rows that stop it."""
    try:
        answer = predictor.answer(chunk.rows, skip_failures=job.skip_failures)
    except FAILURES as exc:
        kind = InvalidInput if isinstance(exc, InvalidInput) else ModelFailed
        hint = exc.hint or "fix those rows, or run with --on-error skip to leave them out"
        where = rows_of(source, chunk.first_row, chunk.last_row)
        raise kind(f"{where}: {exc.message}", hint=hint, field=exc.field) from exc
    return _write_parts(job, number, source, chunk, answer)


def rows_of(source: InputFile, first_row: int, last_row: int) -> str:
    """Where a chunk is, in words: ``FILE: in the chunk of rows FIRST-LAST``."""
    return f"{source.path}: in the chunk of rows {first_row}-{last_row}"


def part_name(job: BatchJob, number: int, source: InputFile, chunk_number: int) -> str:
    """``IIII-STEM-CCCCCC.EXT``: input number, input file's stem, chunk number."""
    return f"{number:04d}-{source.path.stem}-{chunk_number:06d}{EXTENSIONS[job.output_format]}"


def _write_parts(
    job: BatchJob, number: int, source: InputFile, chunk: Chunk, answer: ChunkAnswer
) -> DoneChunk:
    folder = job.parts_folder
    stem = part_name(job, number, source, chunk.number)
    part = errors_part = None
    if answer.answers is not None:
        part = stem
        write_table(answer.answers, folder / part, job.output_format)
    if answer.failures:
        errors_part = f"_errors-{stem}"
        write_table(
            _failures_table(job, source, chunk, answer), folder / errors_part, job.output_format
        )
    return DoneChunk(part, chunk.rows.num_rows, errors_part, len(answer.failures))


def _failures_table(
    job: BatchJob, source: InputFile, chunk: Chunk, answer: ChunkAnswer
) -> pa.Table:
    """The refused rows: their kept columns, input file, row number there, field and error."""
    positions = [failure.row for failure in answer.failures]
    kept = chunk.rows.select(list(job.keep)).take(positions)
    extra: dict[str, pa.Array[Any]] = {
        "file": pa.array([str(source.path)] * len(positions), pa.string()),
        "row": pa.array([chunk.first_row + p for p in positions], pa.int64()),
        "field": pa.array([failure.field for failure in answer.failures], pa.string()),
        "error": pa.array([failure.message for failure in answer.failures], pa.string()),
    }
    return pa.Table.from_arrays(
        [*kept.columns, *extra.values()], names=[*kept.column_names, *extra]
    )
