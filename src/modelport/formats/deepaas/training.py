"""DEEPaaS ``train(**args)`` jobs, each in a worker process of its own.

A job never blocks predictions: the worker is a fresh (spawned) interpreter that imports the
model's package and calls ``train``. It works in a copy of the package folder of its own (its
current directory), so what training writes never changes the served artifact; with
a way to register versions given (``serve --register``), the trained copy is registered as a new
version once the job is done. A watcher thread waits for the worker's answer or its end
and records the outcome; cancelling a job ends its worker and what ``train()`` started
(``workers``), and so does the server's exit, the job then read as interrupted. A failed job's
message is the exception's own text, as DEEPaaS shows it (empty for a bare
``NotImplementedError``; the traceback goes to the server's log). Uploaded files given to a job
are deleted once the job is over.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import multiprocessing.connection
import multiprocessing.util  # its exit handler joins live workers: ours must be registered after
import os
import shutil
import sys
import threading
import traceback
import uuid as uuid_module
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import orjson

from modelport.errors import NotFound
from modelport.formats.deepaas.entry_points import EntryPoint
from modelport.formats.deepaas.servable import DeepaasServable
from modelport.formats.deepaas.training_store import (
    INTERRUPTED,
    TrainingJob,
    TrainingJobStore,
    job_date,
)
from modelport.formats.deepaas.uploads import is_uploaded_file
from modelport.formats.deepaas.workers import end_worker, start_worker
from modelport.serving.conventions import RegisterVersion

CANCEL_WAIT_SECONDS = 5.0

log = logging.getLogger("modelport.deepaas.training")


@dataclass
class _Running:
    servable: DeepaasServable
    job: TrainingJob
    process: BaseProcess
    temp_files: list[str]
    folder: Path | None
    """The job's copy of the package folder."""
    cancelled: bool = False


class TrainingJobs:
    """Starts, watches, lists and cancels the training jobs of the served DEEPaaS models."""

    def __init__(
        self, store: TrainingJobStore, work_dir: Path, *, register: RegisterVersion | None = None
    ) -> None:
        self.store = store
        self.work_dir = work_dir
        """Where each job's copy of its package folder lives while it runs."""
        self.register = register
        """Registers a finished job's copy as a new version of its model, when given."""
        self._running: dict[str, _Running] = {}
        self._lock = threading.Lock()
        _at_exit(self)

    def start(self, servable: DeepaasServable, arguments: dict[str, Any]) -> TrainingJob:
        """A running job calling the model's ``train(**arguments)`` in a new worker process."""
        job = TrainingJob(
            uuid=uuid_module.uuid4().hex,
            model=servable.name,
            date=job_date(),
            args=shown_arguments(arguments),
            status="running",
        )
        folder, source_root = self._working_copy(servable, job.uuid)
        receiver, sender = multiprocessing.Pipe(duplex=False)
        self.store.add(job)
        process = start_worker(
            train_in_worker,
            (servable.entry, source_root, folder, arguments, sender),
            name=f"deepaas-train-{job.uuid}",
        )
        sender.close()
        temp_files = [v.filename for v in arguments.values() if is_uploaded_file(v)]
        running = _Running(servable, job, process, temp_files, folder)
        with self._lock:
            self._running[job.uuid] = running
        threading.Thread(
            target=self._watch, args=(running, receiver), name=f"watch-{job.uuid}", daemon=True
        ).start()
        return job

    def _working_copy(
        self, servable: DeepaasServable, uuid: str
    ) -> tuple[Path | None, Path | None]:
        """The job's copy of the package folder, and its import root in that copy."""
        package, source = servable.package_root, servable.source_root
        if package is None or source is None:
            return None, source
        folder = self.work_dir / uuid
        shutil.copytree(package, folder, ignore=shutil.ignore_patterns("__pycache__"))
        return folder, folder / source.relative_to(package)

    def get(self, model: str, uuid: str) -> TrainingJob:
        job = self.store.get(model, uuid)
        if job is None:
            raise NotFound(f"no training {uuid!r} for model {model!r}")
        return job

    def list(self, model: str) -> list[TrainingJob]:
        return self.store.list(model)

    def cancel(self, model: str, uuid: str) -> TrainingJob:
        """End the job's worker if it still runs, and forget the job (as DEEPaaS does)."""
        job = self.get(model, uuid)
        with self._lock:
            running = self._running.get(uuid)
        if running is not None:
            running.cancelled = True
            end_worker(running.process, wait=CANCEL_WAIT_SECONDS)
            job = job.finished("cancelled") if job.status == "running" else job
        self.store.delete(uuid)
        return job

    def _watch(self, running: _Running, receiver: multiprocessing.connection.Connection) -> None:
        process = running.process
        multiprocessing.connection.wait([receiver, process.sentinel])
        outcome: tuple[str, Any] | None = None
        if receiver.poll():
            try:
                outcome = receiver.recv()
            except EOFError:
                outcome = None
        process.join()
        receiver.close()
        job = running.job
        if running.cancelled:
            finished = job.finished("cancelled")
        elif outcome is None:
            finished = job.finished(
                "error", message=f"the training worker ended with exit code {process.exitcode}"
            )
        elif outcome[0] == "done":
            finished = self._register(running, job.finished("done", output=outcome[1]))
        else:
            finished = job.finished("error", message=str(outcome[1]))
        _clean_up(running)
        with self._lock:
            self._running.pop(job.uuid, None)
        if not running.cancelled:
            self.store.update(finished)

    def end_all(self) -> None:
        """End every running job's worker, each job then read as interrupted (the server is
        exiting: its non-daemonic workers would otherwise keep it from ending)."""
        with self._lock:
            running = list(self._running.values())
        for one in running:
            one.cancelled = True  # its watcher records nothing
            end_worker(one.process, wait=CANCEL_WAIT_SECONDS)
            _clean_up(one)  # its watcher may not get to it before the process ends
            self.store.update(one.job.finished("error", message=INTERRUPTED))

    def _register(self, running: _Running, done: TrainingJob) -> TrainingJob:
        if self.register is None or running.folder is None:
            return done
        try:
            registered = self.register(running.servable.name, running.folder)
            return replace(done, registered_version=registered)
        except Exception as exc:
            log.exception("registering the output of training %s failed", done.uuid)
            return replace(
                done,
                status="error",
                message=f"training finished, but registering the trained package failed: "
                f"{type(exc).__name__}: {exc}",
            )


def shown_arguments(arguments: dict[str, Any]) -> dict[str, Any]:
    """The job's arguments as JSON (an uploaded file as DEEPaaS lists it: name, type, filename)."""
    shown: dict[str, Any] = {}
    for key, value in arguments.items():
        if is_uploaded_file(value):
            shown[key] = [value.name, value.content_type, value.original_filename]
        else:
            shown[key] = _json_or_text(value)
    return shown


def train_in_worker(
    entry: EntryPoint,
    source_root: Path | None,
    folder: Path | None,
    arguments: dict[str, Any],
    sender: multiprocessing.connection.Connection,
) -> None:
    """The worker process: import the model, ``train(**arguments)``, send the outcome."""
    if folder is not None:
        os.chdir(folder)
    if source_root is not None:
        sys.path.insert(0, str(source_root))
    try:
        model = entry.load()
        train = getattr(model, "train", None)
        if train is None:
            raise NotImplementedError(f"model '{entry.name}' has no train()")
        sender.send(("done", _json_or_text(train(**arguments))))
    except BaseException as exc:  # every failure is the job's outcome
        traceback.print_exc()
        sender.send(("error", str(exc)))
    finally:
        sender.close()


def _json_or_text(value: Any) -> Any:
    try:
        orjson.dumps(value)
    except TypeError:
        return str(value)
    return value


def _clean_up(running: _Running) -> None:
    """Delete the job's uploaded files and its copy of the package folder."""
    _delete(running.temp_files)
    if running.folder is not None:
        shutil.rmtree(running.folder, ignore_errors=True)


def _delete(paths: Iterable[str]) -> None:
    for path in paths:
        Path(path).unlink(missing_ok=True)


_LIVE: weakref.WeakSet[TrainingJobs] = weakref.WeakSet()


def _at_exit(jobs: TrainingJobs) -> None:
    """End ``jobs``' workers when the process exits."""
    _register_exit_handler()
    _LIVE.add(jobs)


@cache
def _register_exit_handler() -> None:
    """Once, after multiprocessing's own exit handler (imported above), so that ours runs
    first: that one waits for every non-daemonic child to end."""
    atexit.register(_end_live_jobs)


def _end_live_jobs() -> None:
    for jobs in list(_LIVE):
        try:
            jobs.end_all()
        except Exception:
            log.exception("ending the training jobs at exit failed")
