"""What counts as a change to a project served with ``modelport serve --reload``.

A file watcher says that something under the project moved; this module says whether the
project's build inputs now differ from what the last build started from, by content. The inputs
are what a build reads as sources: the files its convention packages, its test folders and its
dependency file, found again each time (so a new module is one of them as soon as it exists).
Saving a file without changing it, bytecode, caches, version control, editors' swap files, a
log written into the project and whatever a build writes beside its sources (a tracking
library's run folder, an output file) are none of them, so none of them starts a build, and a
build that writes into its own project does not set off another.

A project no convention can read yet (a broken layout, a missing file) has no inputs to go by;
until it has, every Python, configuration and dependency file in it counts.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from modelport.artifact.digests import file_digest
from modelport.artifact.sources import DEFAULT_EXCLUDES, collect_files
from modelport.dependencies import FILE_NAMES, find_dependency_file
from modelport.errors import ModelportError
from modelport.formats.detect import detect_format

IGNORED_NAMES: tuple[str, ...] = (
    *DEFAULT_EXCLUDES,
    ".hg",
    ".svn",
    ".tox",
    ".idea",
    ".hypothesis",
    "node_modules",
    "*.py[cod]",
    "*.sw?",
    "*~",
    ".#*",
    "flycheck_*",
)
"""Names (globs, matched against each path component) never watched: what version control,
caches, bytecode and editors keep beside the sources, and what no artifact packages."""

UNREAD_PROJECT_INPUTS: tuple[str, ...] = (
    "*.py",
    "*.yaml",
    "*.yml",
    "*.toml",
    "*.cfg",
    "*.ini",
    "*.json",
    *FILE_NAMES,
)
"""What counts in a project no convention can read yet: the files that could make it one."""

Snapshot = Mapping[str, str]
"""A project's build inputs as ``{relative POSIX name: content digest}``."""


@dataclass(frozen=True)
class Change:
    """Names of the inputs added, removed or edited since a snapshot (sorted)."""

    names: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.names)

    def describe(self, most: int = 3) -> str:
        """``main/model.py``, or ``a, b, c and 2 more``."""
        shown = ", ".join(self.names[:most])
        more = len(self.names) - most
        return f"{shown} and {more} more" if more > 0 else shown


class ProjectFiles:
    """The build inputs of one project folder, read by content (a file is hashed again only
    when its size or modification time moved); ``ignore_paths`` (modelport's home, when it lies
    inside the project) and :data:`IGNORED_NAMES` are never watched."""

    def __init__(self, root: Path, *, ignore_paths: Iterable[Path] = ()) -> None:
        self.root = root.resolve()
        self._ignored = tuple(p.resolve() for p in ignore_paths)
        self._hashed: dict[str, tuple[int, int, str]] = {}

    def ignores(self, path: str | Path) -> bool:
        """Whether a change at ``path`` (absolute, as a watcher reports it) is none of the
        project's business."""
        resolved = Path(path)
        if any(resolved == p or resolved.is_relative_to(p) for p in self._ignored):
            return True
        try:
            parts = resolved.relative_to(self.root).parts
        except ValueError:
            return True
        return any(_matches(part, IGNORED_NAMES) for part in parts)

    def snapshot(self) -> dict[str, str]:
        """The build inputs as they are now, by content."""
        names = build_inputs(self.root)
        if names is None:
            names = frozenset(self._unread_project_inputs())
        found: dict[str, str] = {}
        for name in sorted(names):
            path = self.root.joinpath(*name.split("/"))
            if not self.ignores(path) and (digest := self._digest(name, path)) is not None:
                found[name] = digest
        return found

    def _unread_project_inputs(self) -> Iterable[str]:
        for folder, dirs, files in os.walk(self.root):
            here = Path(folder)
            dirs[:] = [d for d in dirs if not self.ignores(here / d)]
            for name in files:
                if _matches(name, UNREAD_PROJECT_INPUTS):
                    yield (here / name).relative_to(self.root).as_posix()

    def _digest(self, name: str, path: Path) -> str | None:
        try:
            stat = path.stat()
            known = self._hashed.get(name)
            if known and known[:2] == (stat.st_size, stat.st_mtime_ns):
                return known[2]
            digest = file_digest(path)
        except OSError:  # gone since it was listed, or unreadable: not there
            return None
        self._hashed[name] = (stat.st_size, stat.st_mtime_ns, digest)
        return digest


def _matches(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def build_inputs(root: Path) -> frozenset[str] | None:
    """The files of the project a build reads as sources: what it packages, its test folders
    and its dependency file (relative POSIX names inside ``root``); None when the project
    cannot be read (no convention recognises it, a broken layout)."""
    root = root.resolve()
    try:
        layout = detect_format(root).layout(root)
        names = set(layout.sources)
        for folder in (layout.unit_tests, layout.integration_tests):
            if folder and (root / folder).is_dir():
                names.update(collect_files(root / folder, base=root))
        dependency = layout.dependency_file
        if dependency is None and layout.requirements is None:
            dependency = find_dependency_file(layout.dependency_root)
    except ModelportError:
        return None
    if dependency is not None and dependency.path.resolve().is_relative_to(root):
        names.add(dependency.path.resolve().relative_to(root).as_posix())
    return frozenset(names)


def changed(baseline: Snapshot, now: Snapshot) -> Change:
    """The inputs added, removed or edited in ``now`` since ``baseline``."""
    names = {name for name in set(baseline) | set(now) if baseline.get(name) != now.get(name)}
    return Change(tuple(sorted(names)))
