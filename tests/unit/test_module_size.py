"""Every module of modelport holds one job: none grows past 400 lines (a longer one usually
holds two, and is split)."""

from __future__ import annotations

from pathlib import Path

import modelport

LIMIT = 400
SOURCES = Path(modelport.__file__).parent


def test_no_module_is_over_the_limit() -> None:
    sizes = {
        path.relative_to(SOURCES).as_posix(): len(path.read_text().splitlines())
        for path in SOURCES.rglob("*.py")
    }
    assert len(sizes) > 100  # the whole package was read
    assert {name: lines for name, lines in sizes.items() if lines > LIMIT} == {}
