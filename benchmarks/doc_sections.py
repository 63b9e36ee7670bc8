"""Sections of docs/benchmarks.md written by benchmarks other than ``make bench``.

``make bench`` rewrites the whole page from its results; a section between
``<!-- section NAME -->`` and ``<!-- end NAME -->`` is another benchmark's (``make bench-blobs``
writes ``blob-memory``), replaced only by that benchmark and kept when the page is rewritten.
"""

from __future__ import annotations

import re
from pathlib import Path

_SECTION = re.compile(r"<!-- section (?P<name>[\w-]+) -->\n.*?<!-- end (?P=name) -->\n", re.S)


def own_sections(page: Path) -> str:
    """Every marked section of ``page`` (nothing when it does not exist), to append again."""
    if not page.exists():
        return ""
    found = [match.group(0) for match in _SECTION.finditer(page.read_text())]
    return "".join(f"\n{section}" for section in found)


def replace_section(page: Path, name: str, body: str) -> None:
    """Put ``body`` in section ``name`` of ``page``, replacing it, or appended at the end."""
    section = f"<!-- section {name} -->\n{body.rstrip()}\n<!-- end {name} -->\n"
    text = page.read_text() if page.exists() else ""
    for match in _SECTION.finditer(text):
        if match.group("name") == name:
            text = text[: match.start()] + section + text[match.end() :]
            break
    else:
        text = f"{text.rstrip()}\n\n{section}"
    page.write_text(text)
