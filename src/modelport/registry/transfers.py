"""Who is told how a long upload or download is going: a progress bar, or nobody.

A registry store is opened by URI (``registry/uris.py``) deep below the command that uses it,
and knows nothing of terminals; the command decides whether a bar is shown. It says so with
:func:`reporting_to`, and a store moving a blob asks :func:`transfer` for the callback to feed.
The choice travels in a context variable rather than through every opener and store method,
so stores written later (a remote registry's client) report through the same two functions.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import AbstractContextManager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from modelport.registry.atomic_files import Advance


class TransferReporter(Protocol):
    """Shows transfers as they happen (``cli/progress.py`` draws them as bars)."""

    def transfer(self, label: str, total: int | None) -> AbstractContextManager[Advance]:
        """A transfer of ``total`` bytes (None: unknown) described by ``label``: the context
        gives the callback told of each chunk moved, and ends with the transfer."""


_reporter: ContextVar[TransferReporter | None] = ContextVar("transfer_reporter", default=None)


@contextlib.contextmanager
def reporting_to(reporter: TransferReporter | None) -> Iterator[None]:
    """Within the block, transfers (in this thread or task) are shown by ``reporter``."""
    token = _reporter.set(reporter)
    try:
        yield
    finally:
        _reporter.reset(token)


@contextlib.contextmanager
def transfer(label: str, total: int | None) -> Iterator[Advance]:
    """The callback to tell of each chunk of a transfer: the current reporter's, else one that
    does nothing."""
    reporter = _reporter.get()
    if reporter is None:
        yield _ignore
        return
    with reporter.transfer(label, total) as advance:
        yield advance


def _ignore(count: int) -> None:
    """No reporter: the bytes moved are nobody's concern."""
