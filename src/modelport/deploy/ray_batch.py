"""A batch job on Ray Data: ``modelport batch TARGET INPUT -o OUTPUT --target ray://HOST:PORT``.

The command joins the cluster as deployments do (``ray_cluster.joined``). A task in the model's
environment plans the job (which columns each input gives the model, the rows per chunk, the
types CSV columns are read as), so the command never loads the model itself; then Ray Data
reads the inputs (``read_parquet``/``read_csv``, in the inputs' order), answers them chunk by
chunk in a pool of actors that each load the model once
(:class:`~modelport.batch_inference.predictor.ChunkPredictor`, the local run's per-chunk
function); the command takes the answers as Ray Data hands them over, in the inputs' order
(``preserve_order``), and writes them here as numbered part files, from which an output file
is joined. The answers are the local run's, row for row.

Ray Data's fault tolerance stands in for the local run's manifest: a task or actor lost with its
node is run again by Ray, and a run that fails or is stopped is run again whole.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa

from modelport.batch_inference.files import (
    EXTENSIONS,
    FileFormat,
    InputFile,
    csv_convert_options,
    join_files,
    write_table,
)
from modelport.batch_inference.job import BatchJob, JobSummary
from modelport.batch_inference.plan import JobPlan
from modelport.deploy.plan import Target
from modelport.deploy.ray_cluster import joined
from modelport.errors import Conflict, InvalidInput, ModelportError

__all__ = ["RayBatchModel", "plan_with_model", "run_on_ray"]

ON_RAY_FORMATS: tuple[FileFormat, ...] = ("parquet", "csv")
"""The formats Ray Data reads and writes for a job (Arrow IPC files run locally)."""


@dataclass(frozen=True)
class RayBatchModel:
    """The model a job answers with: its unpacked artifact (a path every node reads), its
    name and version, and the ``runtime_env`` its actors run in (``deploy.runtime_env``)."""

    root: Path
    name: str | None
    version: int | None
    runtime_env: Mapping[str, Any]


def plan_with_model(root: str, name: str | None, version: int | None, job: BatchJob) -> JobPlan:
    """The plan of ``job`` for the model unpacked at ``root`` (run in the model's environment,
    as a Ray task); InvalidInput naming the file for an input the model cannot take."""
    from modelport.batch_inference.plan import plan_job
    from modelport.batch_inference.predictor import ChunkPredictor

    predictor = ChunkPredictor.from_unpacked(
        Path(root), name=name, version=version, keep=job.keep, load=False
    )
    return plan_job(job, predictor)


class ChunkActor:
    """One actor of the pool: the model loaded once, then a chunk (an Arrow table) at a time."""

    def __init__(self, root: str, name: str | None, version: int | None, keep: Sequence[str]):
        from modelport.batch_inference.predictor import ChunkPredictor

        self.predictor = ChunkPredictor.from_unpacked(
            Path(root), name=name, version=version, keep=keep
        )

    def __call__(self, rows: pa.Table) -> pa.Table:
        return self.predictor(rows)


def run_on_ray(
    target: Target,
    job: BatchJob,
    model: RayBatchModel,
    *,
    progress_bars: bool = False,
    workers: int | None = None,
) -> JobSummary:
    """Answer every row of ``job``'s inputs on ``target``'s cluster and write the output, in
    ``workers`` actors (None: from one up to the cluster's CPUs, as Ray Data sees fit)."""
    _check_job(job)
    folder = job.parts_folder
    if folder.exists() and any(folder.iterdir()):
        raise Conflict(
            f"{folder} is not empty",
            hint="write to an empty or new folder (a job on Ray is run again whole)",
            field="--output",
        )
    with _stdout_to_stderr(), joined(target, needs="Ray Data") as ray:
        from ray.data import ActorPoolStrategy, DataContext

        context = DataContext.get_current()
        context.execution_options.preserve_order = True  # the answers in the inputs' order
        # its second Parquet reader (the default in 2.60) hands a file's row groups over out of
        # order even so: the first read 10 million rows from the middle (docs/compat.md)
        context.use_datasource_v2 = False
        context.enable_progress_bars = progress_bars
        if not progress_bars:  # nor its log lines of each run's start and end
            logging.getLogger("ray.data").setLevel(logging.WARNING)
        env = dict(model.runtime_env)
        planning = ray.remote(plan_with_model).options(runtime_env=env, num_cpus=0)
        args = (str(model.root), model.name, model.version, job)
        plan: JobPlan = _unwrapped(lambda: ray.get(planning.remote(*args)))
        cpus = int(ray.cluster_resources().get("CPU", 1))
        folder.mkdir(parents=True, exist_ok=True)
        parts: list[Path] = []
        rows = 0
        for dataset in _read(ray, job.inputs, plan):
            answers = dataset.map_batches(
                ChunkActor,
                fn_constructor_args=(str(model.root), model.name, model.version, job.keep),
                batch_size=plan.chunk_rows,
                batch_format="pyarrow",
                compute=ActorPoolStrategy(**actor_pool_size(workers, cpus)),
                **({"runtime_env": env} if env else {}),
            )
            rows += _unwrapped(partial(_write, answers, folder, job.output_format, parts))
    if not job.into_folder:
        if parts:
            join_files(parts, job.output, job.output_format)
        shutil.rmtree(folder)
    return JobSummary(rows, 0, len(parts), 0, job.output, None)


def actor_pool_size(workers: int | None, cpus: int) -> dict[str, Any]:
    """The size of the pool of actors answering chunks (``ActorPoolStrategy``'s arguments):
    ``workers`` actors, or from one up to the cluster's ``cpus`` when it is None."""
    if workers is None:
        return {"min_size": 1, "max_size": max(1, cpus)}
    if workers < 1:
        raise InvalidInput(f"--workers {workers}: needs at least 1", field="--workers")
    return {"size": workers}


@contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """What Ray prints while the job runs (its driver's lines, its own library's C++ too) goes
    to stderr: stdout is the command's, for its summary (``--json``)."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _check_job(job: BatchJob) -> None:
    if job.skip_failures:
        raise InvalidInput(
            "--on-error skip runs locally only",
            hint="on Ray a bad row stops the job; leave --target out to skip bad rows",
            field="--on-error",
        )
    for kind, field in [
        *((source.format, "INPUT") for source in job.inputs),
        (job.output_format, "--format"),
    ]:
        if kind not in ON_RAY_FORMATS:
            raise InvalidInput(
                f"{kind} files are read and written locally only",
                hint=f"on Ray, use {' or '.join(ON_RAY_FORMATS)} files",
                field=field,
            )


def _read(ray: Any, inputs: Sequence[InputFile], plan: JobPlan) -> list[Any]:
    """A dataset per run of inputs of one format and columns, in the inputs' order: answered
    one after the other, not joined by ``union``, whose blocks came out of order (CSV rows
    between a Parquet file's, docs/compat.md)."""
    runs: list[tuple[FileFormat, tuple[str, ...], list[str]]] = []
    for source, columns in zip(inputs, plan.columns, strict=True):
        if runs and runs[-1][:2] == (source.format, columns):
            runs[-1][2].append(str(source.path))
        else:
            runs.append((source.format, columns, [str(source.path)]))
    datasets = []
    for kind, columns, paths in runs:
        if kind == "parquet":
            datasets.append(ray.data.read_parquet(paths, columns=list(columns)))
        else:
            convert = csv_convert_options(columns, plan.csv_types)
            datasets.append(ray.data.read_csv(paths, convert_options=convert))
    return datasets


def _write(answers: Any, folder: Path, kind: FileFormat, parts: list[Path]) -> int:
    """The answers, as Ray Data hands them over in the inputs' order, written here into part
    files ``part-NNNNNN.EXT`` numbered in that order after ``parts`` (to which they are
    added); the rows they hold.

    Not with Ray Data's writers: their write tasks are not numbered in the dataset's order
    (the first of four held the rows from the middle of the input), and ``write_parquet``
    hands a task's blocks to pyarrow's threaded dataset writer, which may reorder them
    (docs/compat.md). The answers cross to this machine, which joins them anyway."""
    rows = 0
    for block in answers.iter_batches(batch_size=None, batch_format="pyarrow"):
        if block.num_rows == 0:
            continue
        parts.append(folder / f"part-{len(parts):06d}{EXTENSIONS[kind]}")
        write_table(block, parts[-1], kind)
        rows += block.num_rows
    return rows


def _unwrapped(call: Any) -> Any:
    """``call()``, a modelport error raised on the cluster raised again as itself (Ray wraps
    what a task or actor raises in errors of its own)."""
    try:
        return call()
    except Exception as exc:
        cause: BaseException | None = exc
        while cause is not None and not isinstance(cause, ModelportError):
            cause = cause.__cause__ or cause.__context__
        if cause is None:
            raise
        error = ModelportError.__new__(_plain_class(type(cause)))
        ModelportError.__init__(error, cause.message, hint=cause.hint, field=cause.field)
        raise error from None


def _plain_class(kind: type[ModelportError]) -> type[ModelportError]:
    """The modelport class of an error Ray made a subclass of (``RayTaskError(InvalidInput)``)."""
    for found in kind.__mro__:
        if found.__module__ == "modelport.errors" and issubclass(found, ModelportError):
            return found
    return ModelportError
