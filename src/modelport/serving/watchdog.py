"""What keeps a slow or hung model from freezing a serving process.

Two things can hold a server hostage: a predict running on the event loop itself (the runtime's
inline fast path, ``runtime.py``) that does not come back, and a call in the thread pool that
outlived ``--timeout``: its request got a 504, but the thread still runs the model and holds one
of the model's threads for good.

:class:`InlineWatchdog` is a daemon thread that looks at the call on the event loop every
``CHECK_SECONDS``. A call that outlives ``INLINE_BUDGET_SECONDS`` sends its size class off the
loop for good (``Evictable.evict``), and the watchdog interrupts it: a signal to the main thread,
whose handler raises :class:`InlineOverrun` inside the model's Python code (a ``time.sleep``, a
loop in Python); the runtime then runs the same call again in the pool, where the timeout
applies and the loop keeps answering health checks. A call stuck in C code that never returns to
Python cannot be interrupted; the event loop's heartbeat (``serving/workers``) shows it, and a
worker pool replaces that worker.

:class:`Overruns` counts the calls abandoned at their timeout that still run in a thread: a
process holding one is *stuck* (readiness turns false; a pool recycles the worker), and one that
stops with such a thread left exits at once rather than waiting for it forever.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Protocol

INLINE_BUDGET_SECONDS = 0.5
"""The longest a call may hold the event loop before it is interrupted and moved to the pool."""
CHECK_SECONDS = 0.05
"""How often the watchdog looks."""
INTERRUPT_SIGNAL = signal.SIGALRM
"""The signal that interrupts an overdue call on the event loop (the main thread)."""

log = logging.getLogger("modelport.serving")


class InlineOverrun(BaseException):
    """Raised inside a model's predict running on the event loop past its budget. A
    BaseException, as KeyboardInterrupt, so the model's own ``except Exception`` lets it pass."""


class Evictable(Protocol):
    """A size class of calls that may run on the event loop (``runtime._Lane``)."""

    def evict(self) -> None:
        """Never run on the event loop again."""


class InlineWatchdog:
    """Watches the one call running on the event loop of the main thread (see the module
    docstring). The runtime sets ``current`` to ``(lane, perf_counter())`` as the call starts
    and back to None as it ends: one store each, so the fast path stays fast."""

    def __init__(self, budget: float = INLINE_BUDGET_SECONDS) -> None:
        self.budget = budget
        self.current: tuple[Evictable, float] | None = None
        self._interrupted: tuple[Evictable, float] | None = None
        self._stopped = threading.Event()
        self._main = threading.main_thread().ident

    def start(self) -> None:
        """Start watching; called from the main thread (whose loop runs the calls), it also
        installs the interrupting handler; from another thread, overdue calls are only moved."""
        if threading.current_thread() is threading.main_thread():
            signal.signal(INTERRUPT_SIGNAL, self._interrupt)
        else:
            self._main = None
        threading.Thread(target=self._watch, name="modelport inline watchdog", daemon=True).start()

    @property
    def interrupts(self) -> bool:
        """Whether an overdue call is interrupted (started from the main thread), not only
        moved off the loop afterwards."""
        return self._main is not None

    def stop(self) -> None:
        self._stopped.set()

    def _watch(self) -> None:
        while not self._stopped.wait(CHECK_SECONDS):
            current = self.current
            if current is None or current is self._interrupted:
                continue
            lane, started = current
            if time.perf_counter() - started > self.budget:
                lane.evict()
                self._interrupted = current
                log.warning(
                    "a predict held the event loop for over %g s: it runs again in the thread "
                    "pool, as calls of its size will from now on",
                    self.budget,
                )
                if self._main is not None:
                    signal.pthread_kill(self._main, INTERRUPT_SIGNAL)

    def _interrupt(self, signum: int, frame: object) -> None:
        """In the main thread: raise inside the overdue call, if it is still the one running."""
        current = self.current
        if current is not None and current is self._interrupted:
            raise InlineOverrun


class Overruns:
    """Model calls abandoned at their timeout that still run in a thread (see the module
    docstring). Thread-safe: threads finish calls while the event loop abandons others."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0

    @property
    def running(self) -> int:
        """How many abandoned calls still run."""
        return self._running

    def abandoned(self, call: PoolCall) -> None:
        """The caller stopped waiting for ``call`` (its timeout passed)."""
        with self._lock:
            if not call.finished:
                call.abandoned = True
                self._running += 1

    def finished(self, call: PoolCall) -> None:
        """``call``'s thread is done with it (called from that thread)."""
        with self._lock:
            call.finished = True
            if call.abandoned:
                self._running -= 1


class PoolCall:
    """One call into the model in a thread: whether it finished, whether it was abandoned."""

    __slots__ = ("abandoned", "finished")

    def __init__(self) -> None:
        self.finished = False
        self.abandoned = False


OVERRUNS = Overruns()
"""This process's abandoned calls: every runtime's threads are this process's threads."""
