"""Running a batch job: every chunk of every input answered once, its answer kept as a part file
and noted in the manifest, then the parts joined into the output.

The parts folder is the output itself for a folder output, else ``OUTPUT.parts`` beside the
output file (removed once the output is whole). Part files are named ``IIII-STEM-CCCCCC.EXT``
(input number, input file's stem, chunk number); refused rows go to ``_errors-...`` files beside
them, and the manifest is ``_manifest.json`` (names starting with ``_`` or ``.`` are skipped by
``pyarrow.dataset`` and Spark, so the folder reads as the answers alone).
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

from modelport.batch_inference.chunks import Chunk, default_chunk_rows, fixed_chunks
from modelport.batch_inference.files import (
    EXTENSIONS,
    FileFormat,
    InputFile,
    column_names,
    join_files,
    record_batches,
    total_rows,
    write_table,
)
from modelport.batch_inference.manifest import (
    MANIFEST_NAME,
    DoneChunk,
    JobManifest,
    check_same_job,
    load_manifest,
)
from modelport.batch_inference.predictor import FAILURES, ChunkAnswer, ChunkPredictor
from modelport.errors import Conflict, InvalidInput, MalformedInput, ModelFailed


class ProgressReport(Protocol):
    """Told how many rows there are (None: unknown until read) and how many are done."""

    def start(self, total_rows: int | None) -> None: ...

    def advance(self, rows: int) -> None: ...


class NoProgress:
    def start(self, total_rows: int | None) -> None:
        pass

    def advance(self, rows: int) -> None:
        pass


@dataclass(frozen=True)
class BatchJob:
    """What to answer (the inputs, by the model ``model``) and where the answers go."""

    inputs: tuple[InputFile, ...]
    output: Path
    output_format: FileFormat
    into_folder: bool
    """The output is a folder of part files, rather than one file."""
    chunk_rows: int | None
    """Rows per chunk; None: sized from the model's row width (``chunks.default_chunk_rows``)."""
    model: str
    """What identifies the model (its artifact's digest)."""
    keep: tuple[str, ...] = ()
    skip_failures: bool = False

    @property
    def parts_folder(self) -> Path:
        return (
            self.output if self.into_folder else self.output.with_name(self.output.name + ".parts")
        )

    @property
    def errors_output(self) -> Path:
        """The file the refused rows are joined into (for a file output)."""
        suffix = self.output.suffix or EXTENSIONS[self.output_format]
        return self.output.with_name(f"{self.output.stem}.errors{suffix}")

    @property
    def identity(self) -> dict[str, Any]:
        """What a run must share with an earlier one to reuse its finished chunks (``--on-error``
        may change: a run stopped by a bad row goes on with ``skip``)."""
        return {
            "model": self.model,
            "inputs": [source.identity for source in self.inputs],
            "chunk_rows": self.chunk_rows,
            "output_format": self.output_format,
            "keep": list(self.keep),
        }


@dataclass(frozen=True)
class JobSummary:
    rows: int
    failed: int
    chunks: int
    reused: int
    """Chunks an earlier run had finished, not answered again."""
    output: Path
    errors: Path | None


def run_job(
    job: BatchJob,
    predictor: ChunkPredictor,
    *,
    restart: bool = False,
    progress: ProgressReport | None = None,
) -> JobSummary:
    """Answer every row of ``job``'s inputs with ``predictor`` and write the output; chunks an
    earlier run of the same job finished are not answered again (all are with ``restart``)."""
    progress = progress or NoProgress()
    chunk_rows = job.chunk_rows or default_chunk_rows(predictor.runtime.signature)
    job = dataclasses.replace(job, chunk_rows=chunk_rows)
    folder = job.parts_folder
    columns = [_columns(predictor, source) for source in job.inputs]  # checked before writing
    manifest = _open_manifest(job, folder, restart=restart)
    totals = [total_rows(source) for source in job.inputs]
    progress.start(None if None in totals else sum(t or 0 for t in totals))
    rows = chunks = reused = 0
    for number, source in enumerate(job.inputs):
        types = predictor.runtime.validator.decoding_schema
        for chunk in _chunks(source, columns[number], chunk_rows, types):
            rows += chunk.rows.num_rows
            chunks += 1
            if manifest.is_done(number, chunk.number):
                reused += 1
            else:
                answer = _answer(predictor, source, chunk, skip=job.skip_failures)
                done = _write_parts(job, folder, number, source, chunk, answer)
                manifest.note(number, chunk.number, done)
                manifest.save(folder)
            progress.advance(chunk.rows.num_rows)
    failed = sum(chunk.failed for chunk in manifest.done.values())
    errors = _finish(job, folder, manifest)
    return JobSummary(rows, failed, chunks, reused, job.output, errors)


def _open_manifest(job: BatchJob, folder: Path, *, restart: bool) -> JobManifest:
    """The manifest of an earlier run of ``job`` in ``folder``, or a new one in a folder ready
    for this run (``restart``: an earlier run's files removed first)."""
    found = load_manifest(folder) if folder.is_dir() else None
    if found is not None and restart:
        _remove_parts(folder, found)
        found = None
    if found is not None:
        check_same_job(found, job.identity, folder)
        return found
    if folder.exists() and any(not p.name.startswith(".tmp-") for p in folder.iterdir()):
        raise Conflict(
            f"{folder} holds files of no batch run",
            hint="write to an empty or new folder",
            field="--output",
        )
    folder.mkdir(parents=True, exist_ok=True)
    manifest = JobManifest(job=job.identity)
    manifest.save(folder)
    return manifest


def _remove_parts(folder: Path, manifest: JobManifest) -> None:
    for chunk in manifest.done.values():
        for name in (chunk.part, chunk.errors_part):
            if name is not None:
                (folder / name).unlink(missing_ok=True)
    for leftover in folder.glob(".tmp-*"):
        leftover.unlink(missing_ok=True)
    (folder / MANIFEST_NAME).unlink(missing_ok=True)


def _columns(predictor: ChunkPredictor, source: InputFile) -> list[str]:
    try:
        return predictor.columns_to_read(column_names(source))
    except InvalidInput as exc:
        raise InvalidInput(f"{source.path}: {exc.message}", hint=exc.hint, field=exc.field) from exc


def _chunks(
    source: InputFile, columns: list[str], rows: int, types: pa.Schema | None
) -> Iterator[Chunk]:
    """``source``'s chunks (CSV columns read as ``types``, as the online route reads a CSV
    body); a value that cannot be read (CSV text for a number) is reported with the row the
    chunk being read started at."""
    read = 0
    try:
        for chunk in fixed_chunks(record_batches(source, columns, types=types), rows):
            read = chunk.first_row + chunk.rows.num_rows
            yield chunk
    except MalformedInput as exc:
        named = re.search(r"CSV column #(\d+)", exc.message)
        index = int(named.group(1)) if named else len(columns)
        field = columns[index] if index < len(columns) else exc.field
        column = f"input {field!r}, " if field and field != exc.field else ""
        raise MalformedInput(
            f"{exc.message} ({column}in the chunk of rows from {read})",
            hint=exc.hint,
            field=field,
        ) from exc


def _answer(
    predictor: ChunkPredictor, source: InputFile, chunk: Chunk, *, skip: bool
) -> ChunkAnswer:
    try:
        return predictor.answer(chunk.rows, skip_failures=skip)
    except FAILURES as exc:
        kind = InvalidInput if isinstance(exc, InvalidInput) else ModelFailed
        where = f"{source.path}: in the chunk of rows {chunk.first_row}-{chunk.last_row}"
        hint = exc.hint or "fix those rows, or run with --on-error skip to leave them out"
        raise kind(f"{where}: {exc.message}", hint=hint, field=exc.field) from exc


def _write_parts(
    job: BatchJob, folder: Path, number: int, source: InputFile, chunk: Chunk, answer: ChunkAnswer
) -> DoneChunk:
    stem = f"{number:04d}-{source.path.stem}-{chunk.number:06d}{EXTENSIONS[job.output_format]}"
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


def _finish(job: BatchJob, folder: Path, manifest: JobManifest) -> Path | None:
    """Join the parts into the output file (and the refused rows into the errors file), then
    remove the parts; for a folder output, mark the manifest complete. Returns the errors'
    place, when rows were refused."""
    done = manifest.in_order()
    failed = any(chunk.errors_part for chunk in done)
    if job.into_folder:
        manifest.complete = True
        manifest.save(folder)
        return folder if failed else None
    parts = [folder / chunk.part for chunk in done if chunk.part is not None]
    if parts:
        join_files(parts, job.output, job.output_format)
    errors = [folder / chunk.errors_part for chunk in done if chunk.errors_part is not None]
    if errors:
        join_files(errors, job.errors_output, job.output_format)
    shutil.rmtree(folder)
    return job.errors_output if errors else None
