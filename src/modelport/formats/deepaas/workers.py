"""The process a DEEPaaS training job runs in, and ending it.

The worker is spawned (a fresh interpreter, as DEEPaaS's are: CUDA and TensorFlow need it) and
not daemonic, as DEEPaaS's training workers are not: ``train()`` may start processes of its
own (a ``multiprocessing.Pool``, a ``Process``), which a daemonic process may not. It leads a
process group of its own, so ending a job (cancelling it, or the server exiting) ends what
``train()`` started along with it. A non-daemonic child would keep its server from exiting
until the training ends; :class:`~modelport.formats.deepaas.training.TrainingJobs` ends its
workers when the server exits instead.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable
from contextlib import suppress
from multiprocessing.process import BaseProcess
from typing import Any


def start_worker(target: Callable[..., None], args: tuple[Any, ...], *, name: str) -> BaseProcess:
    """A started spawned, non-daemonic process running ``target(*args)`` in a process group
    of its own."""
    process = multiprocessing.get_context("spawn").Process(
        target=_in_own_group, args=(target, *args), name=name, daemon=False
    )
    process.start()
    return process


def end_worker(process: BaseProcess, *, wait: float) -> None:
    """Kill the worker, then every process left in its group (what ``train()`` started), and
    wait up to ``wait`` seconds for the worker to end."""
    process.kill()
    if process.pid is not None and hasattr(os, "killpg"):
        # A group outlives its leader while it has members, and its id is not reused meanwhile.
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    process.join(wait)


def _in_own_group(target: Callable[..., None], *args: Any) -> None:
    if hasattr(os, "setpgrp"):
        os.setpgrp()
    target(*args)
