"""What a step prints goes to the log, as a Wallaroo engine's log holds what its python steps
print, never into an answer: `modelport pipeline infer` writes its result frame to stdout, and
a step's ``print(data)`` must not land in the middle of it.

:func:`capture_prints` puts, once per process, a stand-in for ``sys.stdout`` that sends text
written while a step runs (:func:`in_step`, which marks the step in a context variable, so it
holds in the worker thread a synchronous step runs in, and for concurrent requests alike) to
the logger ``modelport.pipelines.steps``, one record per line naming the step; all other text
goes to the stream it replaced. Output written to the file descriptor itself (by C code) is not
seen.
"""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TextIO

log = logging.getLogger("modelport.pipelines.steps")


class _Printing:
    """One step's run: its label and the text it printed since its last newline."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.pending = ""

    def write(self, text: str) -> None:
        *lines, self.pending = (self.pending + text).split("\n")
        for line in lines:
            log.info("step %s printed: %s", self.label, line)

    def finish(self) -> None:
        if self.pending:
            log.info("step %s printed: %s", self.label, self.pending)
            self.pending = ""


_STEP: ContextVar[_Printing | None] = ContextVar("modelport_step", default=None)


class _StepOutput(io.TextIOBase):
    """``sys.stdout`` while steps may run: their text to the log, the rest to ``original``."""

    def __init__(self, original: TextIO) -> None:
        super().__init__()
        self.original = original

    def write(self, text: str) -> int:
        printing = _STEP.get()
        if printing is None:
            return self.original.write(text)
        printing.write(text)
        return len(text)

    def flush(self) -> None:
        self.original.flush()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.original.isatty()

    def fileno(self) -> int:
        return self.original.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self.original, "encoding", "utf-8"))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.original, name)


def capture_prints() -> None:
    """Send what steps print to the log from now on (idempotent)."""
    if not isinstance(sys.stdout, _StepOutput):
        sys.stdout = _StepOutput(sys.stdout)


@contextmanager
def in_step(label: str) -> Iterator[None]:
    """Mark the code run inside as step ``label``'s (and the threads it hands work to)."""
    printing = _Printing(label)
    token = _STEP.set(printing)
    try:
        yield
    finally:
        _STEP.reset(token)
        printing.finish()


def log_to_stderr() -> None:
    """Where no logging is set up (a command, not a server): step output on stderr."""
    if not log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
