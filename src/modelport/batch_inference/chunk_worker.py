"""One worker process of a pool (``pool.ChunkPool``): it loads the model once, plans the job
(the coordinator follows the first plan it gets), then answers the chunks its coordinator sends,
one at a time, writing each chunk's parts itself.

``python -m modelport.batch_inference.chunk_worker ROOT --replies-fd N [--name NAME]
[--version V] [--debug]`` reads the job and then chunks on stdin and replies on the file
descriptor ``N`` (``pool_wire``); its stdout is the model's to print on. It ends at the end of
its stdin. A model that cannot be loaded (or a job it cannot plan: an input without a column
it needs) is reported instead of the plan, and the worker ends. Like ``worker`` it imports
neither Typer nor Rich.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import traceback
from pathlib import Path

from modelport.batch_inference.answering import answer_chunk
from modelport.batch_inference.plan import plan_job
from modelport.batch_inference.pool_wire import (
    done_line,
    failed_line,
    load_failed_line,
    read_chunk,
    read_job,
    ready_line,
)
from modelport.batch_inference.predictor import ChunkPredictor

MODULE = "modelport.batch_inference.chunk_worker"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}")
    parser.add_argument("root", type=Path)
    parser.add_argument("--replies-fd", type=int, required=True)
    parser.add_argument("--name")
    parser.add_argument("--version", type=int)
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args(argv)
    # Ctrl-C on a terminal reaches every process of the command's group: the coordinator ends
    # its workers itself, and a worker's KeyboardInterrupt would only print a traceback
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    requests = sys.stdin.buffer
    pid = os.getpid()
    with os.fdopen(args.replies_fd, "w") as replies:
        job = read_job(requests)
        try:
            predictor = ChunkPredictor.from_unpacked(
                args.root, name=args.name, version=args.version, keep=job.keep
            )
            replies.write(ready_line(pid, plan_job(job, predictor)))
        except Exception as exc:
            _say_why(exc, debug=args.debug)
            replies.write(load_failed_line(pid, exc))
            return 1
        replies.flush()
        while (sent := read_chunk(requests)) is not None:
            number, chunk = sent
            try:
                done = answer_chunk(job, predictor, number, job.inputs[number], chunk)
            except Exception as exc:
                _say_why(exc, debug=args.debug)
                replies.write(failed_line(number, chunk.number, pid, exc))
            else:
                replies.write(done_line(number, chunk.number, pid, done))
            replies.flush()
            del chunk, sent  # one chunk held at a time, not two
    return 0


def _say_why(exc: BaseException, *, debug: bool) -> None:
    """The traceback on stderr with ``--debug`` (the coordinator reports the error itself)."""
    if debug:
        traceback.print_exception(exc)


if __name__ == "__main__":
    sys.exit(main())
