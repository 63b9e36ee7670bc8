"""Sections of docs/benchmarks.md that other benchmarks own, kept when the main report is
rewritten: each sits between ``<!-- section NAME -->`` and ``<!-- end NAME -->``."""

from __future__ import annotations

import re
from pathlib import Path

_SECTION = re.compile(r"<!-- section (?P<name>[\w-]+) -->\n.*?<!-- end (?P=name) -->\n", re.S)


def replace(text: str, name: str, body: str) -> str:
    """``text`` with section ``name`` holding ``body`` (appended if it had none)."""
    block = f"<!-- section {name} -->\n{body.rstrip()}\n<!-- end {name} -->\n"
    for found in _SECTION.finditer(text):
        if found["name"] == name:
            return text[: found.start()] + block + text[found.end() :]
    return text.rstrip("\n") + "\n\n" + block


def keep(path: Path, rendered: str) -> str:
    """``rendered`` with every section the file at ``path`` holds now appended unchanged."""
    old = path.read_text() if path.exists() else ""
    kept = [found.group(0) for found in _SECTION.finditer(old)]
    return rendered.rstrip("\n") + "\n" + "".join(f"\n{block}" for block in kept)
