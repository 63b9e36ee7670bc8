"""Where a model's calls of one size run: the thread pool or the event loop (``runtime.py``).

Calls are told apart by size (row counts within a power of two of each other form one class),
since the same model can be fast on one row and slow on a thousand. A size's first calls run in
the pool, timed in CPU (wall time in a thread also counts the waits for the GIL); when they were
cheap enough (``InlineLimits``), calls of that size run on the event loop itself, with no thread
hop. What is cheap enough depends on whether the pool buys a core: in a process with cores to
spare, a model that releases the GIL (scikit-learn's SVC, onnxruntime, numpy) predicts in the pool
on one core while the loop decodes the next request on another, so only calls of a millisecond
or so go on the loop; when the server's worker processes already fill every core, the pool's
thread only takes turns with the loop on the same cores, and its hop and hand-offs are pure cost
(a fifth of a 1,000-row SVC prediction's rate), so calls of a few milliseconds go on the loop too.
A batched model (``serving/batching.py``) in such a process runs the sizes its batcher merges on
the loop up to the time the calibration lets a batch take: the batcher releases one merged call
at a time and its requests wait for it, the loop's other work (decoding the next requests, health
checks) would only share the same cores with a call in the pool, and the pool's hops cost two
workers 4 to 14% more CPU a 1,000-row SVC request, merged two to four at a time. Not under a
``--timeout`` shorter than ``BATCHES_MIN_TIMEOUT``: a call on the loop cannot be cut at its
deadline.

Three calls on the loop within 1,024 that held it far longer than the size's timed calls (wall
time: over ten milliseconds, the limits' ninetieth percentile, or twice the size's ninetieth
percentile, whichever is more) send the size back to the pool, when the model itself made them
slow: it waited (on I/O, a lock, or the GIL while the pool runs larger calls: the thread gave up
its core, a voluntary context switch), or used that much CPU. A call made slow only by the
machine (the kernel running another process on the core meanwhile, as when the worker processes
and the load fill every core) counts for nothing: the loop would have stood still in the pool's
case too, and a size sent back for it loses its fast path for thousands of calls. A size found
too slow either way is timed again after 4,096 calls in the pool, since a verdict reached while
the machine was busy need not hold. A size sent back says so in the log at INFO (the model, its
rows, why); its moves to the loop are logged at DEBUG.
"""

from __future__ import annotations

import logging
import resource
from dataclasses import dataclass

INLINE_AFTER_CALLS = 64
"""Calls of one size timed in the pool before calls of that size may run on the event loop."""
RELEARN_AFTER_CALLS = 4096
"""Pool calls after a "too slow" verdict before calls of that size are timed again."""
INLINE_ABANDON_SECONDS = 0.010
"""A call on the event loop taking longer than this (wall time; or the limits' ``slow``, or twice
its size's ninetieth percentile of CPU, when that is more) is slow..."""
INLINE_ABANDON_CALLS = 3
"""...and this many slow calls..."""
INLINE_WINDOW_CALLS = 1024
"""...within this many calls on the loop send their size back to the pool (until it is timed
again)."""


@dataclass(frozen=True)
class InlineLimits:
    """How cheap a size's timed calls must have been (CPU seconds) to run on the event loop."""

    typical: float
    """The median..."""
    slow: float
    """...and what nine in ten stayed under."""


SPARE_CORES = InlineLimits(typical=0.001, slow=0.005)
"""When a call in the pool can run on a core of its own beside the loop."""
CORES_FULL = InlineLimits(typical=0.004, slow=0.010)
"""When the server's worker processes already fill every core the process may use."""
BATCHES_CORES_FULL = InlineLimits(typical=0.050, slow=0.100)
"""For the sizes a batcher merges when the worker processes fill every core: as long as the
calibration lets a merged batch take (``calibration.BATCH_SECONDS``)."""
BATCHES_MIN_TIMEOUT = 1.0
"""The shortest ``--timeout`` under which a batched model's merged sizes still get
``BATCHES_CORES_FULL`` (a call on the loop overruns its deadline by what it takes)."""

log = logging.getLogger("modelport.serving")


class Lane:
    """Where calls of one size run, and what timing them has shown so far."""

    __slots__ = (
        "abandon_after",
        "inline",
        "inline_calls",
        "label",
        "limits",
        "may_inline",
        "slow_calls",
        "timings",
        "until_relearn",
    )

    def __init__(
        self, may_inline: bool, limits: InlineLimits = SPARE_CORES, *, label: str = "calls"
    ) -> None:
        self.inline = False
        self.may_inline = may_inline
        self.limits = limits
        self.label = label
        """What the log calls this lane's calls (``runtime`` names the model and the rows)."""
        self.timings: list[float] = []
        self.until_relearn = 0
        self.abandon_after = INLINE_ABANDON_SECONDS
        self.inline_calls = 0  # calls on the loop in the current window...
        self.slow_calls = 0  # ...and how many of them were slow

    def learn(self, seconds: float) -> None:
        """One more pool call's CPU time; after enough, the verdict."""
        timings = self.timings
        timings.append(seconds)
        if len(timings) < INLINE_AFTER_CALLS:
            return
        timings.sort()
        median, p90 = timings[len(timings) // 2], timings[len(timings) * 9 // 10]
        self.inline = median <= self.limits.typical and p90 <= self.limits.slow
        self.abandon_after = max(INLINE_ABANDON_SECONDS, self.limits.slow, 2 * p90)
        self.may_inline = False
        if not self.inline:  # measured on a busy machine, perhaps: measure again later
            self.until_relearn = RELEARN_AFTER_CALLS
        timings.clear()
        if self.inline:
            log.debug(
                "%s run on the event loop from now on (CPU: median %.2f ms, 9 in 10 under %.2f ms)",
                self.label,
                median * 1e3,
                p90 * 1e3,
            )

    def ran_inline(self, seconds: float, before: Usage | None) -> None:
        """One call on the event loop took ``seconds`` (wall time), ``before`` being its
        thread's usage as it started (``thread_usage``); too many slow ones of the model's
        making: back to the pool, timed again later."""
        self.inline_calls += 1
        if seconds > self.abandon_after and self._held_by_the_model(before):
            self.slow_calls += 1
            if self.slow_calls >= INLINE_ABANDON_CALLS:
                slow, calls = self.slow_calls, self.inline_calls
                self.inline = self.may_inline = False
                self.until_relearn = RELEARN_AFTER_CALLS
                self.inline_calls = self.slow_calls = 0
                log.info(
                    "%s go back to the thread pool: %d of the last %d on the event loop held it "
                    "over %.0f ms (the model waited or used the CPU); timed again after %d calls",
                    self.label,
                    slow,
                    calls,
                    self.abandon_after * 1e3,
                    self.until_relearn,
                )
                return
        if self.inline_calls >= INLINE_WINDOW_CALLS:
            self.inline_calls = self.slow_calls = 0

    def _held_by_the_model(self, before: Usage | None) -> bool:
        """Whether a slow call was slow of the model's own doing: it waited (a voluntary
        context switch) or used the CPU past the budget; not when it was only kept off its core.
        Unknown (no thread usage on this system) counts as the model's."""
        after = thread_usage()
        if before is None or after is None:
            return True
        waited = after.ru_nvcsw > before.ru_nvcsw
        return waited or _cpu_seconds(after) - _cpu_seconds(before) > self.abandon_after

    def evict(self) -> None:
        """A call of this size held the loop past its budget: never on the loop again."""
        self.inline = self.may_inline = False
        self.until_relearn = 0

    def pooled(self) -> None:
        """One more pool call after a "too slow" verdict."""
        if self.until_relearn > 0:
            self.until_relearn -= 1
            self.may_inline = self.until_relearn == 0


Usage = resource.struct_rusage
_THREAD: int | None = getattr(resource, "RUSAGE_THREAD", None)  # Linux only


def size_label(size: int) -> str:
    """The rows of a size class (``rows.bit_length()``): ``1 row``, ``512-1,023 rows``."""
    if size <= 1:
        return f"{size} row" if size == 1 else "0 rows"
    return f"{1 << (size - 1):,}-{(1 << size) - 1:,} rows"


def thread_usage() -> Usage | None:
    """The calling thread's resource usage (CPU time, context switches), where the system tells
    it (Linux); None elsewhere. About half a microsecond."""
    return None if _THREAD is None else resource.getrusage(_THREAD)


def _cpu_seconds(usage: Usage) -> float:
    return usage.ru_utime + usage.ru_stime
