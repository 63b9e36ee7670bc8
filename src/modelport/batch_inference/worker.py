"""A batch job in this interpreter: what ``modelport batch`` runs in a model's environment.

``python -m modelport.batch_inference.worker ROOT --job JOB.json --summary OUT.json
[--progress-fd N]`` loads the artifact unpacked at ``ROOT``, runs the job ``JOB.json`` describes
and writes its summary to ``OUT.json``; progress goes as lines (``start ROWS``, ``start -``,
``advance ROWS``) to the file descriptor ``N`` the command reads, not to stdout, which the
model may print on. Errors are one ``error: ...`` line on stderr and exit code 1 (70 for an
internal error; the traceback with ``--debug``). Like ``cli/predict_here.py`` it imports neither
Typer nor Rich: model environments hold the serving runtime, not the command line.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import IO, Any

from modelport.batch_inference.files import InputFile
from modelport.batch_inference.predictor import ChunkPredictor
from modelport.batch_inference.runner import BatchJob, JobSummary, ProgressReport, run_job
from modelport.errors import report_failure


def run_here(
    root: Path,
    job: BatchJob,
    *,
    name: str | None = None,
    version: int | None = None,
    restart: bool = False,
    progress: ProgressReport | None = None,
) -> JobSummary:
    """Load the model unpacked at ``root`` in this process and run ``job`` with it."""
    predictor = ChunkPredictor.from_unpacked(root, name=name, version=version, keep=job.keep)
    return run_job(job, predictor, restart=restart, progress=progress)


def job_to_json(job: BatchJob) -> dict[str, Any]:
    body = dataclasses.asdict(job)
    body["output"] = str(job.output)
    body["inputs"] = [{**vars(source), "path": str(source.path)} for source in job.inputs]
    return body


def job_from_json(body: dict[str, Any]) -> BatchJob:
    inputs = tuple(
        InputFile(**{**source, "path": Path(source["path"])}) for source in body["inputs"]
    )
    return BatchJob(
        **{**body, "inputs": inputs, "output": Path(body["output"]), "keep": tuple(body["keep"])}
    )


def summary_to_json(summary: JobSummary) -> dict[str, Any]:
    body = dataclasses.asdict(summary)
    body["output"] = str(summary.output)
    body["errors"] = None if summary.errors is None else str(summary.errors)
    return body


def summary_from_json(body: dict[str, Any]) -> JobSummary:
    errors = body["errors"]
    return JobSummary(
        **{
            **body,
            "output": Path(body["output"]),
            "errors": None if errors is None else Path(errors),
        }
    )


class LinesProgress:
    """Progress as lines on a file the command reads (a pipe)."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out

    def start(self, total_rows: int | None) -> None:
        self._line(f"start {'-' if total_rows is None else total_rows}")

    def advance(self, rows: int) -> None:
        self._line(f"advance {rows}")

    def _line(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m modelport.batch_inference.worker")
    parser.add_argument("root", type=Path)
    parser.add_argument("--job", type=Path, required=True)
    parser.add_argument("--summary", type=Path, required=True)
    parser.add_argument("--progress-fd", type=int)
    parser.add_argument("--name")
    parser.add_argument("--version", type=int)
    parser.add_argument("--restart", action="store_true")
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args(argv)
    out = os.fdopen(args.progress_fd, "w") if args.progress_fd is not None else None
    try:
        job = job_from_json(json.loads(args.job.read_text()))
        summary = run_here(
            args.root,
            job,
            name=args.name,
            version=args.version,
            restart=args.restart,
            progress=LinesProgress(out) if out is not None else None,
        )
    except Exception as exc:  # as the command reports them (cli/main.py)
        return report_failure(exc, debug=args.debug)
    finally:
        if out is not None:
            out.close()
    args.summary.write_text(json.dumps(summary_to_json(summary)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
