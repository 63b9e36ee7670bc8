"""Bars for long uploads and downloads of artifacts (a ``registry.transfers.TransferReporter``),
set up for every command: rich's progress display is imported only once a transfer starts."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from modelport.registry.atomic_files import Advance

_NUMBERS_WIDTH = 60
"""What a bar's columns other than its description take: bar, sizes, speed, time left."""


class TransferBars:
    """A bar per upload or download, on a terminal only (elsewhere, as in CI logs, nothing),
    gone when the transfer ends; the console is made by ``console`` at the first transfer."""

    def __init__(self, console: Callable[[], Console]) -> None:
        self._make_console = console
        self._console: Console | None = None

    @contextlib.contextmanager
    def transfer(self, label: str, total: int | None) -> Iterator[Advance]:
        if self._console is None:
            self._console = self._make_console()
        console = self._console
        if not console.is_terminal:
            yield _ignore
            return
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        columns = (
            TextColumn("{task.description}"),
            BarColumn(bar_width=20),
            DownloadColumn(binary_units=True),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
        )
        room = max(console.width - _NUMBERS_WIDTH, 12)  # the numbers keep their room
        label = label if len(label) <= room else f"{label[: room - 1]}…"
        with Progress(*columns, console=console, transient=True) as bars:
            task = bars.add_task(label, total=total)
            yield lambda count: bars.advance(task, count)


def _ignore(count: int) -> None:
    """Not a terminal: nobody watches the bytes go by."""
