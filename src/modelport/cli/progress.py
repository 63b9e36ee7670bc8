"""Live progress in the terminal: a build's current step with a spinner and elapsed time, and a
bar for long uploads and downloads."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.status import Status
from rich.text import Text


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


@contextmanager
def transfer_bar(console: Console, what: str, total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar for one upload or download of ``total`` bytes (on a terminal only): the
    value is told each chunk's size. Given to the REST store as its ``transfers``."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(
        *columns, console=console, transient=True, disable=not console.is_terminal
    ) as bar:
        task = bar.add_task(what, total=total)
        yield lambda size: bar.advance(task, size)
