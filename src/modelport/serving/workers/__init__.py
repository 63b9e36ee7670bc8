"""A pool of worker processes serving one model set on one port (``--workers N``).

``supervisor.py`` loads the models once and forks the workers (``worker.py``), which share the
loaded weights copy-on-write and accept on the one listening socket; it replaces a worker that
died, recycles one that is stuck or too big, and drains them all on SIGTERM. ``table.py`` is
what they tell each other through shared memory; ``loading.py`` answers on the port while the
models load, before any worker exists.

Each worker counts the requests it answered; ``/metrics``, whichever worker takes the scrape,
answers with every worker's counts added up (``pool_metrics.py``).
"""

from __future__ import annotations

import os
import sys

from modelport.servable import Servable
from modelport.serving.workers.supervisor import PoolOptions, Supervisor

__all__ = ["PoolOptions", "Supervisor", "default_workers"]

THREADED_FRAMEWORKS = ("torch", "tensorflow", "jax")
"""Frameworks whose kernels spread over every core themselves, and whose GPU state does not
survive a fork: a model whose code imported one gets one worker unless told otherwise."""


def default_workers(servables: list[Servable]) -> int:
    """One worker per core this process may use when every model is CPU-bound, 1 otherwise.

    A model counts as CPU-bound when its ``predict`` is a plain function that returns a batch:
    the server runs it on its own cores. An ``async def`` predict says the model waits on
    something else (a remote service, a GPU queue) and one event loop already overlaps its
    calls; a streaming model holds its connection for the whole answer. Neither gains from more
    processes, and both would pay each worker's memory. Nor does a model on torch, TensorFlow or
    JAX (imported by its code, which has been loaded when this is asked, or by its ``load``,
    which the servable says with ``threaded_framework``): their kernels already use every core,
    and neither a GPU context nor TensorFlow's threads survive a fork."""
    if any(servable.is_async or servable.is_streaming for servable in servables):
        return 1
    if any(servable.threaded_framework for servable in servables):
        return 1
    if any(name in sys.modules for name in THREADED_FRAMEWORKS):
        return 1
    return len(os.sched_getaffinity(0))
