"""Live progress in the terminal: a build's steps with a spinner and elapsed time (and the upload
of its artifact on the same line: a ``registry.transfers.TransferReporter``)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from types import TracebackType

from rich.console import Console
from rich.status import Status
from rich.text import Text

from modelport.registry.atomic_files import Advance

_MIB = 1024 * 1024


class RichProgress:
    """Shows each build step live and leaves a line per finished step with its duration."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._status: Status | None = None
        self._title: str | None = None
        self._started = 0.0
        self._build_started = time.monotonic()

    def __enter__(self) -> RichProgress:
        self._status = self.console.status("starting", spinner="dots")
        self._status.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._finish(failed=exc is not None)
        if self._status is not None:
            self._status.stop()

    def step(self, title: str) -> None:
        self._finish(failed=False)
        self._title = title
        self._started = time.monotonic()
        if self._status is not None:
            self._status.update(Text(f"{title} ..."))

    def info(self, line: str) -> None:
        self.console.print(Text(f"    {line}", style="dim"))
        if self._status is not None and self._title:
            self._status.update(Text(f"{self._title} ... {line}"))

    @contextlib.contextmanager
    def transfer(self, label: str, total: int | None) -> Iterator[Advance]:
        """An upload during the build (registering its artifact): its bytes on the status line,
        which is already live (the terminal holds one live display at a time)."""
        moved = 0
        shown = -1

        def advance(count: int) -> None:
            nonlocal moved, shown
            moved += count
            if self._status is None or moved // _MIB == shown:
                return  # a status update per MiB is plenty
            shown = moved // _MIB
            of = f" of {total / _MIB:.0f}" if total else ""
            self._status.update(Text(f"{self._title or label} ... {shown}{of} MiB, {label}"))

        yield advance

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self._build_started

    def _finish(self, *, failed: bool) -> None:
        if self._title is None:
            return
        seconds = time.monotonic() - self._started
        mark = Text("✗ ", style="red") if failed else Text("✓ ", style="green")
        self.console.print(mark + Text(f"{self._title} ({seconds:.1f}s)"))
        self._title = None
