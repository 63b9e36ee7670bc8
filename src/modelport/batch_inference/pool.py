"""A pool of worker processes answering a batch job's chunks at once (``--workers N``).

The process running the job stays its coordinator: it never loads the model; it follows the
plan the first worker to load it sends, reads the inputs chunk by chunk, sends each chunk to an
idle worker (``chunk_worker``, started with this interpreter: the model's environment), and
notes in the manifest each chunk a worker reports done. Each worker loads the model once,
answers one chunk at a time and writes that chunk's part files itself, so the answers never
travel back. At most one chunk per worker is out at a time, and the coordinator
holds the one it is reading: memory is bounded by ``workers + 1`` chunks (and ``workers``
loaded models).

A worker that dies (killed, out of memory, a crash in the model's native code) fails the job
with an error naming the chunk it held, after the chunks the others were answering are noted:
a rerun answers that chunk again and redoes nothing finished. Workers are tethered to the
coordinator (``tether``): a coordinator killed outright takes them with it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO

from modelport.batch_inference.answering import Finished, rows_of
from modelport.batch_inference.chunk_worker import MODULE
from modelport.batch_inference.chunks import Chunk
from modelport.batch_inference.files import InputFile
from modelport.batch_inference.job import BatchJob
from modelport.batch_inference.plan import JobPlan
from modelport.batch_inference.pool_wire import LoadFailed, Ready, read_reply, send_chunk, send_job
from modelport.errors import InvalidInput, ModelFailed
from modelport.tether import tethered

STOP_SECONDS = 30.0
"""How long a worker may take to end once told there are no more chunks."""
PIPE_BYTES = 1 << 20
"""The size asked for the pipe chunks go through (Linux's default most a user may ask)."""
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)
"""What sizes the thread pools of numpy's BLAS, OpenMP and Arrow (which reads OMP_NUM_THREADS)."""


@dataclass(frozen=True)
class _Held:
    """Which chunk a worker is answering (not its rows: the worker has them)."""

    source_number: int
    source: InputFile
    chunk: int
    first_row: int
    last_row: int


@dataclass
class _Worker:
    process: subprocess.Popen[bytes]
    requests: IO[bytes]
    replies: IO[str]
    ready: bool = False
    """It has loaded the model (and sent its plan)."""
    holding: _Held | None = None
    dead: bool = False

    @property
    def idle(self) -> bool:
        return self.ready and self.holding is None and not self.dead

    @property
    def awaited(self) -> bool:
        """A reply is to come: its plan, or the answer to the chunk it holds."""
        return not self.dead and (not self.ready or self.holding is not None)


@dataclass
class ChunkPool:
    """``workers`` processes answering chunks (a :class:`~.answering.ChunkAnswerer`)."""

    workers: list[_Worker] = field(default_factory=list)
    _plan: JobPlan | None = None

    @classmethod
    def start(
        cls,
        root: Path,
        job: BatchJob,
        *,
        workers: int,
        name: str | None = None,
        version: int | None = None,
        debug: bool = False,
    ) -> ChunkPool:
        """Start ``workers`` worker processes for ``job`` with the model unpacked at ``root``
        (they load it while the caller goes on)."""
        if workers < 1:
            raise InvalidInput(f"--workers {workers}: needs at least 1", field="--workers")
        argv = ["-m", MODULE, str(root)]
        argv += ["--name", name] if name else []
        argv += ["--version", str(version)] if version is not None else []
        argv += ["--debug"] if debug else []
        pool = cls([])
        environment = {**os.environ, **_thread_limits(workers)}
        try:
            for _ in range(workers):
                pool.workers.append(_start(argv, job, environment))
        except BaseException:
            pool.close(abort=True)
            raise
        return pool

    def plan(self) -> JobPlan:
        """The job's plan, from the first worker to have loaded the model (the coordinator
        never loads it); the error of a worker that could not."""
        while self._plan is None:
            self._wait()
        return self._plan

    def answer(self, number: int, source: InputFile, chunk: Chunk) -> list[Finished]:
        finished: list[Finished] = []
        while not any(one.error for one in finished):
            idle = next((worker for worker in self.workers if worker.idle), None)
            if idle is not None:
                finished += self._send(idle, number, source, chunk)
                break
            finished += self._wait()
        return finished

    def drain(self) -> list[Finished]:
        finished: list[Finished] = []
        while any(worker.holding is not None for worker in self.workers):
            finished += self._wait()
        return finished

    def _send(
        self, worker: _Worker, number: int, source: InputFile, chunk: Chunk
    ) -> list[Finished]:
        worker.holding = _Held(number, source, chunk.number, chunk.first_row, chunk.last_row)
        try:
            send_chunk(worker.requests, number, chunk)
        except (BrokenPipeError, ConnectionResetError):
            return [self._died(worker)]
        return []

    def _wait(self) -> list[Finished]:
        """The chunks finished by the next workers to reply (waiting for one at least)."""
        awaited = {w.replies.fileno(): w for w in self.workers if w.awaited}
        if not awaited:
            raise ModelFailed("no worker process is left to answer the chunks")
        ready, _, _ = select.select(list(awaited), [], [])
        finished = []
        for descriptor in ready:
            worker = awaited[descriptor]
            line = worker.replies.readline()
            if not line:
                finished.append(self._died(worker))
                continue
            reply = read_reply(line)
            if isinstance(reply, LoadFailed):
                worker.dead = True
                raise reply.error
            if isinstance(reply, Ready):
                worker.ready = True
                self._plan = self._plan or reply.plan
                continue
            worker.holding = None
            finished.append(reply)
        return finished

    def _died(self, worker: _Worker) -> Finished:
        """The failure of the chunk ``worker`` held when it died (raised, when it died while
        loading the model)."""
        held = worker.holding
        worker.holding, worker.dead = None, True
        code = worker.process.wait()
        how = f"killed by {_signal_name(-code)}" if code < 0 else f"exit code {code}"
        if held is None:
            raise ModelFailed(
                f"the worker process {worker.process.pid} died loading the model ({how})",
                hint="see its messages above; run with --workers 1 to load it in this process",
            )
        error = ModelFailed(
            f"{rows_of(held.source, held.first_row, held.last_row)}: the worker process "
            f"answering it (pid {worker.process.pid}) died ({how})",
            hint="run the same command again: it answers the chunks not finished, this one "
            "too, and redoes none that were",
        )
        return Finished(held.source_number, held.chunk, None, error)

    def close(self, *, abort: bool = False) -> None:
        """End the workers: told there are no more chunks, or (``abort``) killed."""
        for worker in self.workers:
            if abort and worker.process.poll() is None:
                worker.process.kill()
            with contextlib.suppress(OSError):  # a dead worker's pipe
                worker.requests.close()
        for worker in self.workers:
            try:
                worker.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()
            worker.replies.close()

    def __enter__(self) -> ChunkPool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close(abort=kind is not None)


def _widen(pipe: IO[bytes]) -> None:
    """A pipe of :data:`PIPE_BYTES` where Linux allows it: a chunk of 16 MiB then crosses in
    16 writes rather than 256, which took about half the time."""
    with contextlib.suppress(OSError, AttributeError):
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _thread_limits(workers: int) -> dict[str, str]:
    """Each worker's share of the cores for the thread pools of numpy's BLAS, OpenMP and Arrow,
    unless the caller set them: every one of N processes sizing its pools for all the cores
    oversubscribes them (scikit-learn's predict then spent twice the CPU, spinning)."""
    share = str(max(1, len(os.sched_getaffinity(0)) // workers))
    return {name: os.environ.get(name, share) for name in THREAD_VARIABLES}


def _start(argv: list[str], job: BatchJob, environment: dict[str, str]) -> _Worker:
    """One worker, its stdout the coordinator's stderr (the coordinator's stdout carries the
    command's summary), its replies on a pipe of their own, told the job."""
    reading, writing = os.pipe()
    try:
        process = subprocess.Popen(
            tethered(sys.executable, [*argv, "--replies-fd", str(writing)]),
            stdin=subprocess.PIPE,
            stdout=2,
            pass_fds=(writing,),
            env=environment,
        )
    except BaseException:
        os.close(reading)
        raise
    finally:
        os.close(writing)
    assert process.stdin is not None
    _widen(process.stdin)
    worker = _Worker(process, process.stdin, os.fdopen(reading))
    with contextlib.suppress(BrokenPipeError):  # it died at once: found at its first chunk
        send_job(worker.requests, job)
    return worker
