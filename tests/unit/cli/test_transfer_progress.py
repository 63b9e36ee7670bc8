"""Long uploads and downloads are shown to whoever the command chose, as a bar on a terminal."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator

from rich.console import Console

from modelport.cli.progress import RichProgress
from modelport.cli.transfer_bars import TransferBars
from modelport.registry.atomic_files import Advance
from modelport.registry.transfers import reporting_to, transfer


class Recorder:
    def __init__(self) -> None:
        self.seen: list[tuple[str, int | None, int]] = []

    @contextlib.contextmanager
    def transfer(self, label: str, total: int | None) -> Iterator[Advance]:
        moved: list[int] = []
        yield moved.append
        self.seen.append((label, total, sum(moved)))


def test_transfers_reach_the_chosen_reporter_only_within_its_block() -> None:
    recorder = Recorder()
    with transfer("before", 1) as advance:
        advance(1)  # nobody reports: nothing happens
    with reporting_to(recorder):
        with transfer("uploading", 10) as advance:
            advance(4)
            advance(6)
        with reporting_to(None), transfer("quiet", 3) as advance:
            advance(3)
    with transfer("after", 1) as advance:
        advance(1)
    assert recorder.seen == [("uploading", 10, 10)]


def test_bars_show_on_a_terminal_and_nowhere_else() -> None:
    screen = io.StringIO()
    bars = TransferBars(lambda: Console(file=screen, force_terminal=True, width=100))
    with bars.transfer("downloading sha256:ab12", 4 * 1024 * 1024) as advance:
        advance(4 * 1024 * 1024)
    assert "downloading sha256:ab12" in screen.getvalue()

    log = io.StringIO()
    with TransferBars(lambda: Console(file=log, force_terminal=False)).transfer("x", 10) as advance:
        advance(10)
    assert log.getvalue() == ""


def test_a_build_shows_its_upload_on_its_status_line() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120)
    with RichProgress(console) as progress:
        progress.step("registering echo")
        with progress.transfer("uploading sha256:ab12", 3 * 1024 * 1024) as advance:
            advance(2 * 1024 * 1024)
    assert "registering echo ... 2 of 3 MiB, uploading sha256:ab12" in screen.getvalue()
