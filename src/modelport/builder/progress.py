"""How a build reports what it is doing; the CLI shows it live, tests and libraries stay quiet."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Receives the build's steps and the lines worth showing inside them."""

    def step(self, title: str) -> None:
        """A new step starts (the previous one, if any, is finished)."""

    def info(self, line: str) -> None:
        """A detail of the current step (what is being installed, a note)."""


class SilentProgress:
    """Keeps every line, shows none (library use and tests)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def step(self, title: str) -> None:
        self.lines.append(f"step: {title}")

    def info(self, line: str) -> None:
        self.lines.append(line)
