"""Helpers every format uses to read a project folder without running its code."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from modelport.artifact.sources import collect_files
from modelport.errors import ConfigError

_NOT_DNS = re.compile(r"[^a-z0-9-]+")


def default_model_name(root: Path) -> str:
    """A registry name derived from the project folder's name (``Iris_Model`` -> ``iris-model``)."""
    name = _NOT_DNS.sub("-", root.name.lower()).strip("-")
    return name[:63].strip("-") or "model"


def collect_sources(root: Path, folders: Iterable[str]) -> tuple[str, ...]:
    """Every packaged file under the given folders of ``root`` (relative, sorted)."""
    found: list[str] = []
    for folder in folders:
        path = root / folder
        if not path.is_dir():
            if folder in ("main", "tests"):
                continue
            raise ConfigError(
                f"extra folder {folder!r} does not exist in {root}",
                hint="name folders that sit beside main/, without a ./ prefix",
            )
        found.extend(collect_files(path, base=root))
    return tuple(sorted(set(found)))
