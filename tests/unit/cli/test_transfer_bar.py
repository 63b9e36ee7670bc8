"""The progress bar of uploads and downloads: drawn on a terminal, silent elsewhere."""

from __future__ import annotations

import io

from rich.console import Console

from modelport.cli.progress import transfer_bar


def test_a_terminal_sees_the_transfer_advance() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    with transfer_bar(console, "uploading iris", 4 * 1024 * 1024) as advance:
        for _ in range(4):
            advance(1024 * 1024)
    drawn = out.getvalue()
    assert "uploading iris" in drawn
    assert "4.2/4.2 MB" in drawn


def test_a_pipe_sees_nothing() -> None:
    out = io.StringIO()
    with transfer_bar(Console(file=out, force_terminal=False), "downloading iris:1", 10) as advance:
        advance(10)
    assert out.getvalue() == ""
