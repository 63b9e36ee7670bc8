"""Commands taking turns at the embedded registry: one writer at a time across processes.

SQLite lets one process write at a time and makes the others wait in silence, up to its busy
timeout, then fail with "database is locked"; migrating a new registry file from two processes
at once could even run one revision twice ("table ... already exists"). So every write
transaction and every migration first takes a lock on a file beside the database
(``registry.db.lock``, ``flock``): the writer holding it writes its pid there; another waits its
turn, says on stderr after a second whom it waits for, and gives up (``Conflict``) only after
the ``registry_wait`` setting's seconds. The operating system releases the lock of a process
that dies, so a lock is never held by a dead process.

Within one process the lock is re-entrant and threads take turns at it too.
"""

from __future__ import annotations

import fcntl
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from modelport.errors import Conflict

NOTE_AFTER_SECONDS = 1.0
POLL_SECONDS = 0.02


class RegistryTurns:
    """The lock of the registry database ``database`` (see the module docstring)."""

    def __init__(self, database: Path, *, wait: float) -> None:
        self.path = database.with_name(database.name + ".lock")
        self.wait = wait
        self._threads = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Hold the registry for this block; Conflict when another process held it for longer
        than ``wait`` seconds."""
        started = time.monotonic()
        if not self._threads.acquire(timeout=self.wait):
            raise self._waited_too_long(None)
        try:
            if self._depth == 0:
                self._fd = self._take(started)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and self._fd is not None:
                    os.close(self._fd)  # closing it releases the lock
                    self._fd = None
        finally:
            self._threads.release()

    def _take(self, started: float) -> int:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        noted = False
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    waited = time.monotonic() - started
                    if waited > self.wait:
                        raise self._waited_too_long(self._holder()) from None
                    if not noted and waited >= NOTE_AFTER_SECONDS:
                        noted = True
                        print(
                            f"waiting for {self._holder_words(self._holder())} to finish with "
                            f"the registry {self.path.with_suffix('')} (up to {self.wait:g} s)...",
                            file=sys.stderr,
                            flush=True,
                        )
                    time.sleep(POLL_SECONDS)
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
            return fd
        except BaseException:
            os.close(fd)
            raise

    def _holder(self) -> int | None:
        try:
            text = self.path.read_text().strip()
        except OSError:
            return None
        return int(text) if text.isdigit() else None

    @staticmethod
    def _holder_words(pid: int | None) -> str:
        return "another modelport process" + (f" (pid {pid})" if pid else "")

    def _waited_too_long(self, pid: int | None) -> Conflict:
        return Conflict(
            f"{self._holder_words(pid)} has held the registry {self.path.with_suffix('')} "
            f"for over {self.wait:g} s",
            hint="wait for it to finish, or wait longer with MODELPORT_REGISTRY_WAIT=SECONDS",
            field="registry_wait",
        )


_by_path: dict[Path, RegistryTurns] = {}
_by_path_lock = threading.Lock()


def turns_of(database: Path, *, wait: float) -> RegistryTurns:
    """The one lock this process holds ``database`` with (shared by every store opened on it,
    so none waits for another of the same process)."""
    key = database.resolve()
    with _by_path_lock:
        turns = _by_path.get(key)
        if turns is None:
            turns = _by_path[key] = RegistryTurns(key, wait=wait)
        turns.wait = wait
        return turns
