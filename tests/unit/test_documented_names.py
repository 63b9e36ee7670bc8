"""Every Python name the README and docs/ tell users to call exists where they say."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DOTTED = re.compile(r"`(modelport(?:\.[A-Za-z_][A-Za-z0-9_]*)+)(?:\(|`)")


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for name in parts[split:]:
            if not hasattr(found, name):
                return False
            found = getattr(found, name)
        return True
    return False


def test_documented_python_names_exist() -> None:
    names = {
        match.group(1)
        for document in DOCUMENTS
        for match in DOTTED.finditer(document.read_text())
        if match.group(1) not in ("modelport.yaml", "modelport.toml", "modelport.sig")  # files
    }
    assert "modelport.formats.odahu.format.read_artifact" in names  # the scan finds them
    assert sorted(name for name in names if not _resolves(name)) == []
