"""What a model makes of a batch job's inputs, decided once before any row is read: the columns
read from each input, the rows per chunk and the types CSV columns are read as.

The plan needs the model's signature, not the model's answers: whoever reads the inputs (the
one process of a local run, the coordinator of a pool of workers, the driver on Ray) follows it,
so an input the model cannot take is refused before any row is read, naming the file.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from modelport.batch_inference.chunks import default_chunk_rows
from modelport.batch_inference.files import column_names
from modelport.batch_inference.job import BatchJob
from modelport.batch_inference.predictor import ChunkPredictor
from modelport.errors import InvalidInput


@dataclass(frozen=True)
class JobPlan:
    """The columns read from each input (in the job's order), the rows per chunk, and the types
    CSV columns are read as (None: as the text suggests)."""

    columns: tuple[tuple[str, ...], ...]
    chunk_rows: int
    csv_types: pa.Schema | None


def plan_job(job: BatchJob, predictor: ChunkPredictor) -> JobPlan:
    """The plan of ``job`` for ``predictor``'s model (loaded or not: only its signature is
    read); InvalidInput naming the file for an input the model cannot take."""
    columns = []
    for source in job.inputs:
        try:
            columns.append(tuple(predictor.columns_to_read(column_names(source))))
        except InvalidInput as exc:
            message = f"{source.path}: {exc.message}"
            raise InvalidInput(message, hint=exc.hint, field=exc.field) from None
    rows = job.chunk_rows or default_chunk_rows(predictor.runtime.signature)
    return JobPlan(tuple(columns), rows, predictor.runtime.validator.decoding_schema)
