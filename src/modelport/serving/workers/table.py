"""What each worker of a pool tells the others and its supervisor, through memory they share.

One slot per worker (with room for replacements started beside workers being retired): the
worker's pid, the last time its event loop ticked (``CLOCK_MONOTONIC``, the same clock in every
process), how many of its model calls were abandoned at their timeout but still run, and how many
connections it holds while it accepts new ones (-1 before and after: ``accepting.py`` balances
the pool's connections with it). A
worker whose loop has not ticked for ``STALE_SECONDS``, or which holds such a call, is *stuck*.
Readiness, answered by any worker, is true while at least one worker is not stuck; the
supervisor recycles stuck workers. The memory is an anonymous shared mapping made before the
workers are forked, so it needs no file and no lock: each 8-byte field has one writer at a time,
and is written and read whole, through typed memory views (one aligned 8-byte store or load
each). Never with ``struct.pack_into``: it zeroes its target before it writes the value, so a
reader in another process could see a live worker's pid or heartbeat as 0 mid-write (a heartbeat
of 0 looked like a worker silent since the machine started, and it was recycled under load).
"""

from __future__ import annotations

import mmap
import time

STALE_SECONDS = 1.0
"""A worker whose event loop has not ticked for this long is stuck (a model call holds it)."""

_FIELDS = 4
"""pid (int64), heartbeat (float64, monotonic seconds), overrun calls (int64), connections
(int64, -1 while not accepting), 8 bytes each."""
_PID, _HEARTBEAT, _OVERRUNS, _CONNECTIONS = range(_FIELDS)
_FREE = 0
_CLAIMED = -1
"""A slot given to a worker being forked, which has not written its pid yet."""
NOT_ACCEPTING = -1
"""The connections of a worker that does not accept (starting, or draining)."""


class WorkerTable:
    """The slots of a pool's workers, shared by the supervisor and every worker."""

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self._memory = mmap.mmap(-1, 8 * _FIELDS * slots)
        self._ints = memoryview(self._memory).cast("q")
        self._floats = memoryview(self._memory).cast("d")

    def claim(self) -> int:
        """A free slot for a worker about to be forked (supervisor)."""
        for slot in range(self.slots):
            if self._ints[slot * _FIELDS + _PID] == _FREE:
                self._floats[slot * _FIELDS + _HEARTBEAT] = 0.0
                self._ints[slot * _FIELDS + _OVERRUNS] = 0
                self._ints[slot * _FIELDS + _CONNECTIONS] = NOT_ACCEPTING
                self._ints[slot * _FIELDS + _PID] = _CLAIMED
                return slot
        raise RuntimeError("no free worker slot")  # the supervisor keeps twice what it needs

    def has_free(self) -> bool:
        return any(self._ints[slot * _FIELDS + _PID] == _FREE for slot in range(self.slots))

    def release(self, slot: int) -> None:
        """The slot's worker has exited (supervisor)."""
        self._ints[slot * _FIELDS + _PID] = _FREE

    def beat(self, slot: int, pid: int, overruns: int) -> None:
        """The worker in ``slot`` is alive and its loop turning (worker). The heartbeat is
        written before the pid, so a slot showing a pid always has a heartbeat."""
        base = slot * _FIELDS
        self._ints[base + _OVERRUNS] = overruns
        self._floats[base + _HEARTBEAT] = time.monotonic()
        self._ints[base + _PID] = pid

    def has_beaten(self, slot: int) -> bool:
        return self._read(slot)[0] > 0

    def stuck(self, slot: int, now: float) -> bool:
        """Whether the worker in ``slot`` cannot answer predictions now."""
        pid, heartbeat, overruns = self._read(slot)
        return pid <= 0 or overruns > 0 or now - heartbeat > STALE_SECONDS

    def silent_for(self, slot: int, now: float) -> float:
        """Seconds since the worker in ``slot`` last ticked (0 before its first tick)."""
        pid, heartbeat, _ = self._read(slot)
        return now - heartbeat if pid > 0 else 0.0

    def overruns(self, slot: int) -> int:
        return self._read(slot)[2]

    def hold(self, slot: int, connections: int) -> None:
        """The worker in ``slot`` holds ``connections`` and accepts more (worker);
        ``NOT_ACCEPTING`` once it has stopped."""
        self._ints[slot * _FIELDS + _CONNECTIONS] = connections

    def fair_share(self, now: float, *, arriving: int = 0) -> int:
        """The connections each accepting worker (not stuck) would hold were they and
        ``arriving`` more spread evenly, rounded up: a worker past it leaves new connections
        to the others a moment (``accepting.py``)."""
        held = accepting = 0
        for slot in range(self.slots):
            connections = int(self._ints[slot * _FIELDS + _CONNECTIONS])
            if connections >= 0 and not self.stuck(slot, now):
                held += connections
                accepting += 1
        return -(-(held + arriving) // accepting) if accepting else held + arriving

    def any_able(self) -> bool:
        """Whether some worker of the pool can answer predictions now."""
        now = time.monotonic()
        return any(not self.stuck(slot, now) for slot in range(self.slots))

    def _read(self, slot: int) -> tuple[int, float, int]:
        """The slot's pid, heartbeat and overruns; the pid is read first, so a heartbeat read
        after a pid was seen is at least as new as the beat that wrote that pid."""
        base = slot * _FIELDS
        pid = int(self._ints[base + _PID])
        return pid, float(self._floats[base + _HEARTBEAT]), int(self._ints[base + _OVERRUNS])
