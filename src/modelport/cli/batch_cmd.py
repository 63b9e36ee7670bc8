"""``modelport batch``: a model's answers for every row of Parquet, CSV or Arrow files, chunk by
chunk, resumable (``modelport.batch_inference``), in the model's own environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from modelport.batch_inference.files import FORMATS, FileFormat, find_inputs, format_of
from modelport.batch_inference.job import BatchJob, JobSummary
from modelport.cli.build_options import env_mode
from modelport.cli.context import STATE
from modelport.cli.options import EnvOption, RegistryOption, command
from modelport.cli.output import console as stdout_console
from modelport.cli.output import print_json
from modelport.cli.targets import (
    TARGET_HELP,
    model_python,
    registered_quickly,
    resolve_target,
    unpacked_target,
)
from modelport.errors import InvalidInput
from modelport.tether import tethered

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from modelport.artifact.manifest import Manifest
    from modelport.cli.targets import ServeTarget


def batch(
    target: Annotated[str, typer.Argument(help=TARGET_HELP, show_default=False)],
    input_path: Annotated[
        Path,
        typer.Argument(
            metavar="INPUT",
            help="A Parquet, CSV or Arrow (IPC file or stream) file, or a folder of them.",
            show_default=False,
        ),
    ],
    output: Annotated[
        str,
        typer.Option(
            "--output",
            "-o",
            help="The answers: a file, or a folder of part files (for a folder INPUT, an "
            "existing folder, or a path ending in /).",
            show_default=False,
        ),
    ],
    file_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="parquet, csv or arrow (default: the output's suffix, else the input's).",
            show_default=False,
        ),
    ] = None,
    keep: Annotated[
        list[str] | None,
        typer.Option(
            "--keep",
            help="Input columns to pass through before the answers (an id), comma-separated.",
            show_default=False,
        ),
    ] = None,
    chunk_rows: Annotated[
        int | None,
        typer.Option(
            "--chunk-rows",
            help="Rows per chunk (default: about 16 MiB of the model's inputs).",
            min=1,
            show_default=False,
        ),
    ] = None,
    on_error: Annotated[
        str,
        typer.Option(
            "--on-error",
            help="stop: the first bad row stops the job, naming its file, rows and field; skip: "
            "bad rows go to an errors file (OUTPUT.errors.EXT) and the rest are answered.",
        ),
    ] = "stop",
    restart: Annotated[
        bool, typer.Option("--restart", help="Start over, ignoring an earlier run's parts.")
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            help="Processes answering chunks at once, each loading the model once (default 1: "
            "N processes take N times the model's memory and hold N chunks, so more is for a "
            "machine with the cores and memory to spare). With --target ray://, the actors "
            "answering (default: from one up to the cluster's CPUs).",
            show_default=False,
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    on: Annotated[
        str | None,
        typer.Option(
            "--target",
            help="ray://HOST:PORT: run the job on Ray Data across that cluster's workers (its "
            "GCS address, as for modelport deploy); Parquet and CSV files on a path every node "
            "reads. Default: here.",
            show_default=False,
        ),
    ] = None,
    env: EnvOption = "auto",
    registry: RegistryOption = None,
) -> None:
    """Answer every row of INPUT with a model, chunk by chunk, into OUTPUT.

    Each chunk is checked and predicted as a request to `modelport serve` is. A run that was
    stopped (even killed) starts again where it stopped: run the same command again. --workers N
    answers N chunks at once, in N processes. With --target ray://HOST:PORT the job runs on Ray
    Data, whose retries stand in for resuming.
    """
    del registry  # read by the root command
    if on_error not in ("stop", "skip"):
        raise InvalidInput(f"--on-error {on_error}: not stop or skip", field="--on-error")
    if workers is not None and workers < 1:
        raise InvalidInput(
            f"--workers {workers}: needs at least 1 (the processes answering chunks at once)",
            hint="leave --workers out for one, or give the number of cores to use",
            field="--workers",
        )
    inputs = tuple(find_inputs(input_path))
    into_folder = input_path.is_dir() or output.endswith(("/", os.sep)) or Path(output).is_dir()
    kind = _output_format(Path(output), file_format, into_folder, inputs[0].format)
    resolved = registered_quickly(target, None) or resolve_target(
        target, env=env_mode(env), name=None, as_version=None
    )
    root, manifest, digest = unpacked_target(resolved)
    job = BatchJob(
        inputs=inputs,
        output=Path(output).resolve(),
        output_format=kind,
        into_folder=into_folder,
        chunk_rows=chunk_rows,
        model=digest,
        keep=tuple(n for item in keep or [] for n in (n.strip() for n in item.split(",")) if n),
        skip_failures=on_error == "skip",
    )
    if on is not None:
        ran = _run_on_ray(on, root, manifest, resolved, job, quiet=quiet, workers=workers)
        _report(ran, as_json=as_json)
        return
    python = model_python(manifest.lock, manifest.build)
    with _bar(quiet=quiet) as bar:
        if python.parent.parent.resolve() == Path(sys.prefix).resolve():
            from modelport.batch_inference.worker import run_here

            summary = run_here(
                root,
                job,
                name=resolved.name,
                version=resolved.version,
                restart=restart,
                progress=bar,
                workers=workers or 1,
                debug=STATE.debug,
            )
        else:
            run = _WorkerRun(resolved.name, resolved.version, restart, workers or 1)
            summary = _run_in(python, root, job, run, bar)
    _report(summary, as_json=as_json)


def _run_on_ray(
    on: str,
    root: Path,
    manifest: Manifest,
    resolved: ServeTarget,
    job: BatchJob,
    *,
    quiet: bool,
    workers: int | None,
) -> JobSummary:
    """Run ``job`` on Ray Data on the cluster ``on`` names, its actors in the model's
    environment as a deployment's replicas are (``deploy.runtime_env``)."""
    from modelport.builder.package_index import configured_index
    from modelport.deploy.plan import parse_target
    from modelport.deploy.ray_batch import RayBatchModel, run_on_ray
    from modelport.deploy.runtime_env import runtime_env

    where = parse_target(on)
    if where.kind != "ray":
        raise InvalidInput(
            f"--target {on}: batch runs here by default, or on a Ray cluster (ray://HOST:PORT)",
            hint="leave --target out to run the job on this machine",
            field="--target",
        )
    settings = STATE.settings
    env = runtime_env(
        manifest, envs_dir=settings.envs_dir, index_options=configured_index(settings).options()
    )
    model = RayBatchModel(root, resolved.name, resolved.version, env)
    bars = not quiet and sys.stderr.isatty()
    return run_on_ray(where, job, model, progress_bars=bars, workers=workers)


def _output_format(
    output: Path, asked: str | None, into_folder: bool, input_format: FileFormat
) -> FileFormat:
    by_suffix = None if into_folder else format_of(output)
    if asked is not None:
        if asked not in FORMATS:
            raise InvalidInput(
                f"--format {asked}: not one of {', '.join(FORMATS)}", field="--format"
            )
        if by_suffix is not None and by_suffix != asked:
            raise InvalidInput(
                f"--format {asked} but the output {output.name} is named as {by_suffix}",
                hint="name the output with the format's suffix, or leave --format out",
                field="--format",
            )
        return asked
    return by_suffix or input_format


@dataclass(frozen=True)
class _WorkerRun:
    """How the process in the model's environment runs the job."""

    name: str | None
    version: int | None
    restart: bool
    workers: int


def _run_in(python: Path, root: Path, job: BatchJob, run: _WorkerRun, bar: _Bar) -> JobSummary:
    """Run ``job`` in the model's environment (``python``), its progress read from a pipe."""
    from modelport.batch_inference.job import job_to_json, summary_from_json

    with tempfile.TemporaryDirectory(prefix="modelport-batch-") as scratch:
        job_file, summary_file = Path(scratch) / "job.json", Path(scratch) / "summary.json"
        job_file.write_text(json.dumps(job_to_json(job)))
        reading, writing = os.pipe()
        argv = ["-m", "modelport.batch_inference.worker", str(root), "--job", str(job_file)]
        argv += ["--summary", str(summary_file), "--progress-fd", str(writing)]
        argv += ["--name", run.name] if run.name else []
        argv += ["--version", str(run.version)] if run.version is not None else []
        argv += ["--restart"] if run.restart else []
        argv += ["--workers", str(run.workers)]
        argv += ["--debug"] if STATE.debug else []
        sys.stdout.flush()
        with subprocess.Popen(tethered(python, argv), pass_fds=(writing,)) as process:
            os.close(writing)
            with os.fdopen(reading) as lines:
                for line in lines:
                    bar.line(line)
        if process.returncode:
            raise typer.Exit(process.returncode)  # the worker printed its error
        return summary_from_json(json.loads(summary_file.read_text()))


class _Bar:
    """The job's progress bar on stderr (rows done of all, when the inputs say how many)."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.task: TaskID | None = None

    def start(self, total_rows: int | None) -> None:
        if self.progress is not None:
            self.task = self.progress.add_task("rows", total=total_rows)

    def advance(self, rows: int) -> None:
        if self.progress is not None and self.task is not None:
            self.progress.advance(self.task, rows)

    def line(self, text: str) -> None:
        """A progress line of the worker's (``start N``, ``start -``, ``advance N``)."""
        word, _, value = text.strip().partition(" ")
        if word == "start":
            self.start(None if value == "-" else int(value))
        elif word == "advance":
            self.advance(int(value))

    def __enter__(self) -> _Bar:
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()


def _bar(*, quiet: bool) -> _Bar:
    """A bar on a terminal unless ``quiet`` (elsewhere, as in CI logs, nothing)."""
    from rich.console import Console

    console = Console(stderr=True)
    if quiet or not console.is_terminal:
        return _Bar(None)
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(bar_width=30),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    return _Bar(Progress(*columns, console=console, transient=True))


def _report(summary: JobSummary, *, as_json: bool) -> None:
    if as_json:
        from modelport.batch_inference.job import summary_to_json

        print_json(summary_to_json(summary))
        return
    from rich.text import Text

    reused = f", {summary.reused} reused from an earlier run" if summary.reused else ""
    line = f"answered {summary.rows - summary.failed} rows into {summary.output} "
    line += f"({summary.chunks} chunks{reused})"
    if summary.failed:
        line += f"; {summary.failed} rows failed: see {summary.errors}"
    stdout_console.print(Text(line))


def register(app: typer.Typer) -> None:
    command(app)(batch)
