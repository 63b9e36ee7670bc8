"""The one per-chunk function of batch inference: rows read from a file in, the model's answer
out, on the online route's own path.

A chunk is an Arrow table, as an Arrow IPC, Parquet or CSV request body decodes to; the model's
:class:`~modelport.validation.InputValidator` checks and casts it, and
:meth:`~modelport.serving.runtime.ModelRuntime.predict` runs the model and checks its answer (one
row per input row), exactly as for a request. The answer is the model's output columns, after
the input columns the job keeps (an id). ``ChunkPredictor`` is an Arrow table to Arrow table
callable, the shape Ray Data's ``map_batches`` calls.

Rows a chunk cannot be answered for either stop the job (the error says which) or, when failures
are skipped, are found by halving the chunk: halves that pass are answered together, and each
failing row is reported with its error (unless the first :data:`HOPELESS` rows tried all fail).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import anyio
import pyarrow as pa

from modelport.errors import InvalidInput, ModelFailed
from modelport.serving.runtime import ModelRuntime

FAILURES = (InvalidInput, ModelFailed)
"""What rows may be skipped for: they do not fit the model, or the model failed on them."""
HOPELESS = 1_024
"""Failing rows in a row, none passing, after which skipping stops the job: a column that does
not fit at all fails every row, and finding that out row by row would take a call per row."""


@dataclass(frozen=True)
class RowFailure:
    """A row of a chunk (its position in the chunk) that could not be answered, and why."""

    row: int
    field: str | None
    message: str


@dataclass(frozen=True)
class ChunkAnswer:
    """The answer to a chunk's rows (those that passed, in order) and the rows that failed."""

    answers: pa.Table | None
    """None when every row failed."""
    failures: tuple[RowFailure, ...] = ()


class ChunkPredictor:
    """Answers chunks of rows with a loaded model, as its online route answers requests."""

    def __init__(self, runtime: ModelRuntime, *, keep: Sequence[str] = ()) -> None:
        if runtime.signature.free_form:
            raise InvalidInput(
                f"model {runtime.name!r} takes free-form JSON, not rows of a table",
                hint="batch runs models whose signature names their inputs",
                field="TARGET",
            )
        if runtime.streams:
            raise InvalidInput(
                f"model {runtime.name!r} streams its answers",
                hint="batch runs models that answer each row once",
                field="TARGET",
            )
        clash = sorted(set(keep) & set(runtime.output_names))
        if clash:
            raise InvalidInput(
                f"--keep {clash[0]}: the model answers a column of that name too",
                hint="keep only input columns the model's outputs do not name",
                field="--keep",
            )
        self.runtime = runtime
        self.keep = tuple(keep)
        self.input_names = runtime.validator.names
        self.typed = runtime.validator.typed

    @classmethod
    def from_unpacked(
        cls,
        root: Path,
        *,
        name: str | None = None,
        version: int | None = None,
        keep: Sequence[str] = (),
        load: bool = True,
    ) -> ChunkPredictor:
        """A predictor for the artifact unpacked at ``root``, its model loaded in this process
        (not initialised, with ``load`` False: enough to plan a job by its signature, not to
        answer a chunk)."""
        from modelport.serving.loader import load_unpacked

        runtime = ModelRuntime(load_unpacked(root, name=name), version=version, threads=1)
        if load:
            runtime.load()
        return cls(runtime, keep=keep)

    def columns_to_read(self, present: Sequence[str]) -> list[str]:
        """Which of a file's columns (``present``) a chunk needs: the model's inputs there (all
        columns for a model that checks names only) and the kept ones; InvalidInput for a kept
        column the file lacks, and for a missing input (no row could be answered)."""
        missing = [name for name in self.keep if name not in present]
        if missing:
            raise InvalidInput(
                f"--keep {missing[0]}: there is no such column",
                hint=f"the columns are: {', '.join(present)}",
                field="--keep",
            )
        missing = [name for name in self.input_names if name not in present]
        if missing:
            raise InvalidInput(
                f"missing input {'column' if len(missing) == 1 else 'columns'}: "
                + ", ".join(missing),
                hint=f"the model takes: {', '.join(self.input_names)}",
                field=missing[0],
            )
        wanted = set(self.keep) | (set(self.input_names) if self.typed else set(present))
        return [name for name in present if name in wanted]

    def __call__(self, rows: pa.Table) -> pa.Table:
        """The answer to every row of ``rows`` (InvalidInput or ModelFailed for any refused)."""
        return self._answer(rows)

    def answer(self, rows: pa.Table, *, skip_failures: bool) -> ChunkAnswer:
        """The answer to ``rows``; with ``skip_failures``, rows that fail are left out and
        reported instead of failing the chunk."""
        if not skip_failures:
            return ChunkAnswer(self._answer(rows))
        passed: list[pa.Table] = []
        failures: list[RowFailure] = []
        self._answer_halving(rows, 0, passed, failures)
        answers = pa.concat_tables(passed) if passed else None
        return ChunkAnswer(answers, tuple(failures))

    def _answer(self, rows: pa.Table) -> pa.Table:
        inputs = rows.select([n for n in rows.column_names if self._takes(n)])
        batch = self.runtime.validator.validate(inputs)
        answer = anyio.run(self.runtime.predict, batch)
        kept = [rows.column(name) for name in self.keep]
        return pa.Table.from_arrays(
            [*kept, *answer.columns], names=[*self.keep, *answer.column_names]
        )

    def _takes(self, column: str) -> bool:
        """Whether the model is given ``column``: an input of its, or (for a model that checks
        names only) any column not read for ``--keep`` alone."""
        return column in self.input_names or not (self.typed or column in self.keep)

    def _answer_halving(
        self, rows: pa.Table, offset: int, passed: list[pa.Table], failures: list[RowFailure]
    ) -> None:
        try:
            passed.append(self._answer(rows))
        except FAILURES as exc:
            if rows.num_rows == 1:
                failures.append(RowFailure(offset, exc.field, exc.message))
                if len(failures) >= HOPELESS and not passed:
                    raise type(exc)(
                        f"each of the first {HOPELESS:,} rows fails: {exc.message}",
                        hint="a column does not fit the model; skipping rows will not help",
                        field=exc.field,
                    ) from exc
                return
            half = rows.num_rows // 2
            self._answer_halving(rows.slice(0, half), offset, passed, failures)
            self._answer_halving(rows.slice(half), offset + half, passed, failures)
