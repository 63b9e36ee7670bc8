"""What each worker of a pool tells the others and its supervisor, through memory they share.

One slot per worker (with room for replacements started beside workers being retired): the
worker's pid, the last time its event loop ticked (``CLOCK_MONOTONIC``, the same clock in every
process), and how many of its model calls were abandoned at their timeout but still run. A
worker whose loop has not ticked for ``STALE_SECONDS``, or which holds such a call, is *stuck*.
Readiness, answered by any worker, is true while at least one worker is not stuck; the
supervisor recycles stuck workers. The memory is an anonymous shared mapping made before the
workers are forked, so it needs no file and no lock: each 8-byte field has one writer at a time.
"""

from __future__ import annotations

import mmap
import struct
import time

STALE_SECONDS = 1.0
"""A worker whose event loop has not ticked for this long is stuck (a model call holds it)."""

_SLOT = struct.Struct("qdq")
"""pid, heartbeat (monotonic seconds), overrun calls."""
_FREE = 0
_CLAIMED = -1
"""A slot given to a worker being forked, which has not written its pid yet."""


class WorkerTable:
    """The slots of a pool's workers, shared by the supervisor and every worker."""

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self._memory = mmap.mmap(-1, _SLOT.size * slots)

    def claim(self) -> int:
        """A free slot for a worker about to be forked (supervisor)."""
        for slot in range(self.slots):
            if self._read(slot)[0] == _FREE:
                _SLOT.pack_into(self._memory, slot * _SLOT.size, _CLAIMED, 0.0, 0)
                return slot
        raise RuntimeError("no free worker slot")  # the supervisor keeps twice what it needs

    def has_free(self) -> bool:
        return any(self._read(slot)[0] == _FREE for slot in range(self.slots))

    def release(self, slot: int) -> None:
        """The slot's worker has exited (supervisor)."""
        _SLOT.pack_into(self._memory, slot * _SLOT.size, _FREE, 0.0, 0)

    def beat(self, slot: int, pid: int, overruns: int) -> None:
        """The worker in ``slot`` is alive and its loop turning (worker)."""
        _SLOT.pack_into(self._memory, slot * _SLOT.size, pid, time.monotonic(), overruns)

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

    def any_able(self) -> bool:
        """Whether some worker of the pool can answer predictions now."""
        now = time.monotonic()
        return any(not self.stuck(slot, now) for slot in range(self.slots))

    def _read(self, slot: int) -> tuple[int, float, int]:
        pid, heartbeat, overruns = _SLOT.unpack_from(self._memory, slot * _SLOT.size)
        return int(pid), float(heartbeat), int(overruns)
