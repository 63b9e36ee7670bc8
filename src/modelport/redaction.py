"""Blanking secret values out of text: the values a model has read (``modelport.secrets``
notes each one here as it is read) become ``***`` in whatever :func:`redact` is given.

It imports nothing, so the serving process's log handler and output streams can blank every
line they write without loading the settings that reading a secret needs.
"""

from __future__ import annotations

import threading

REDACTED = "***"

_revealed: set[str] = set()
_sorted: tuple[str, ...] = ()
"""The values, longest first (so a value holding another is blanked whole)."""
_lock = threading.Lock()


def reveal(value: str) -> None:
    """Note ``value`` (a secret just read) as one to blank from now on."""
    global _sorted
    if not value or value in _revealed:
        return
    with _lock:
        _revealed.add(value)
        _sorted = tuple(sorted(_revealed, key=len, reverse=True))


def redact(text: str) -> str:
    """``text`` with every secret value read so far replaced by ``***``."""
    for value in _sorted:  # one tuple, swapped whole by reveal: no lock needed to read it
        if value in text:
            text = text.replace(value, REDACTED)
    return text


def any_revealed() -> bool:
    """Whether any secret value has been read (else nothing needs blanking)."""
    return bool(_sorted)
