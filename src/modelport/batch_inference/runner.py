"""Running a batch job: every chunk of every input answered once, its answer kept as a part file
and noted in the manifest, then the parts joined into the output.

The parts folder is the output itself for a folder output, else ``OUTPUT.parts`` beside the
output file (removed once the output is whole). Part files are named ``IIII-STEM-CCCCCC.EXT``
(input number, input file's stem, chunk number); refused rows go to ``_errors-...`` files beside
them, and the manifest is ``_manifest.json`` (names starting with ``_`` or ``.`` are skipped by
``pyarrow.dataset`` and Spark, so the folder reads as the answers alone).

This process reads the inputs chunk by chunk and keeps the manifest; a
:class:`~modelport.batch_inference.answering.ChunkAnswerer` answers the chunks (here, or in a
pool of worker processes) and reports each when it is done. When a chunk fails, the chunks
still being answered are waited for and noted before the failure is raised, so a rerun redoes
only what was not finished.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pyarrow as pa

from modelport.batch_inference.answering import ChunkAnswerer, Finished
from modelport.batch_inference.chunks import Chunk, fixed_chunks
from modelport.batch_inference.files import InputFile, join_files, record_batches, total_rows
from modelport.batch_inference.job import BatchJob, JobSummary
from modelport.batch_inference.manifest import (
    MANIFEST_NAME,
    JobManifest,
    check_same_job,
    load_manifest,
)
from modelport.batch_inference.plan import JobPlan
from modelport.errors import Conflict, MalformedInput


class ProgressReport(Protocol):
    """Told how many rows there are (None: unknown until read) and how many are done."""

    def start(self, total_rows: int | None) -> None: ...

    def advance(self, rows: int) -> None: ...


class NoProgress:
    def start(self, total_rows: int | None) -> None:
        pass

    def advance(self, rows: int) -> None:
        pass


def run_job(
    job: BatchJob,
    plan: JobPlan,
    answerer: ChunkAnswerer,
    *,
    restart: bool = False,
    progress: ProgressReport | None = None,
) -> JobSummary:
    """Answer every row of ``job``'s inputs, read as ``plan`` says, with ``answerer`` and write
    the output; chunks an earlier run of the same job finished are not answered again (all are
    with ``restart``)."""
    progress = progress or NoProgress()
    job = dataclasses.replace(job, chunk_rows=plan.chunk_rows)
    folder = job.parts_folder
    manifest = _open_manifest(job, folder, restart=restart)
    totals = [total_rows(source) for source in job.inputs]
    progress.start(None if None in totals else sum(t or 0 for t in totals))
    noting = _Noting(manifest, folder, progress, answerer)
    rows = chunks = reused = 0
    try:
        for number, source in enumerate(job.inputs):
            columns = list(plan.columns[number])
            for chunk in _chunks(source, columns, plan.chunk_rows, plan.csv_types):
                rows += chunk.rows.num_rows
                chunks += 1
                if manifest.is_done(number, chunk.number):
                    reused += 1
                    progress.advance(chunk.rows.num_rows)
                else:
                    noting.note(answerer.answer(number, source, chunk))
    except MalformedInput:  # an input that cannot be read on: keep what is being answered
        noting.note_done(answerer.drain())
        raise
    noting.note(answerer.drain())
    failed = sum(chunk.failed for chunk in manifest.done.values())
    errors = _finish(job, folder, manifest)
    return JobSummary(rows, failed, chunks, reused, job.output, errors)


class _Noting:
    """Finished chunks into the manifest (saved after each) and the progress; a failed chunk
    raised once every other chunk being answered has finished and been noted."""

    def __init__(
        self,
        manifest: JobManifest,
        folder: Path,
        progress: ProgressReport,
        answerer: ChunkAnswerer,
    ) -> None:
        self.manifest = manifest
        self.folder = folder
        self.progress = progress
        self.answerer = answerer

    def note(self, finished: list[Finished]) -> None:
        failures = self.note_done(finished)
        if failures:
            failures += self.note_done(self.answerer.drain())
            first = min(failures, key=lambda f: (f.source, f.chunk))
            assert first.error is not None
            raise first.error

    def note_done(self, finished: list[Finished]) -> list[Finished]:
        """Note the chunks done; answer those that failed."""
        failures = []
        for one in finished:
            if one.done is None:
                failures.append(one)
                continue
            self.manifest.note(one.source, one.chunk, one.done)
            self.manifest.save(self.folder)
            self.progress.advance(one.done.rows)
        return failures


def _open_manifest(job: BatchJob, folder: Path, *, restart: bool) -> JobManifest:
    """The manifest of an earlier run of ``job`` in ``folder``, or a new one in a folder ready
    for this run (``restart``: an earlier run's files removed first)."""
    found = load_manifest(folder) if folder.is_dir() else None
    if found is not None and restart:
        _remove_parts(folder, found)
        found = None
    if found is not None:
        check_same_job(found, job.identity, folder)
        for leftover in folder.glob(".tmp-*"):  # half-written by a run that was killed
            leftover.unlink(missing_ok=True)
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
