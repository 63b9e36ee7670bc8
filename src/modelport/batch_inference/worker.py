"""A batch job in this interpreter: what ``modelport batch`` runs in a model's environment.

``python -m modelport.batch_inference.worker ROOT --job JOB.json --summary OUT.json
[--progress-fd N] [--workers N]`` loads the artifact unpacked at ``ROOT``, runs the job
``JOB.json`` describes (with ``--workers`` over 1, as the coordinator of a pool of worker
processes) and writes its summary to ``OUT.json``; progress goes as lines (``start ROWS``,
``start -``, ``advance ROWS``) to the file descriptor ``N`` the command reads, not to stdout,
which the model may print on. Errors are one ``error: ...`` line on stderr and exit code 1 (70
for an internal error; the traceback with ``--debug``). Like ``cli/predict_here.py`` it imports
neither Typer nor Rich: model environments hold the serving runtime, not the command line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import IO

from modelport.batch_inference.answering import AnsweredHere
from modelport.batch_inference.job import BatchJob, JobSummary, job_from_json, summary_to_json
from modelport.batch_inference.plan import plan_job
from modelport.batch_inference.pool import ChunkPool
from modelport.batch_inference.predictor import ChunkPredictor
from modelport.batch_inference.runner import ProgressReport, run_job
from modelport.errors import report_failure


def run_here(
    root: Path,
    job: BatchJob,
    *,
    name: str | None = None,
    version: int | None = None,
    restart: bool = False,
    progress: ProgressReport | None = None,
    workers: int = 1,
    debug: bool = False,
) -> JobSummary:
    """Run ``job`` with the model unpacked at ``root``: loaded in this process (one worker), or
    in ``workers`` worker processes started with this interpreter, this process reading the
    inputs and following the plan they send (``pool``)."""
    if workers == 1:
        predictor = ChunkPredictor.from_unpacked(root, name=name, version=version, keep=job.keep)
        plan = plan_job(job, predictor)
        return run_job(job, plan, AnsweredHere(job, predictor), restart=restart, progress=progress)
    with ChunkPool.start(
        root, job, workers=workers, name=name, version=version, debug=debug
    ) as pool:
        return run_job(job, pool.plan(), pool, restart=restart, progress=progress)


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
    parser.add_argument("--workers", type=int, default=1)
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
            workers=args.workers,
            debug=args.debug,
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
