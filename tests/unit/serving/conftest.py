"""What the serving unit tests share."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def restored_root() -> Iterator[None]:
    """The root logger as it was (pytest's handlers, its level) after each test: serving
    configures it (handler and level), and a test must not leave that to the next."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
