"""The folders artifacts are unpacked to (``<home>/unpacked/<digest prefix>``): marked when a
process loads one, held while that process runs, and dropped by ``modelport gc`` once unused for
a while and held by none.

Every serve, predict, batch job or deployment replica that loads a model from one of these
folders first calls :func:`hold`: the folder's modification time is set (the last use), and a
shared ``flock`` is taken on ``unpacked/.in-use/<digest prefix>`` and kept for the life of the
process (the workers it forks share it). A command that unpacks or reads one for a process it
starts holds it only meanwhile (:func:`holding`). :func:`prune` removes a folder only while it
can take that lock exclusively, so a server running for months keeps its model's files, and a
process loading the folder while gc removes it waits, then unpacks it again. The lock files stay
(one empty file per digest): removing one could split a waiting holder from the next.

A killed unpack leaves a ``.<digest prefix>.*.partial`` folder (``Artifact.extract`` renames the
whole folder into place last); :func:`prune` removes those untouched for ``stale_after``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LOCKS", "Unused", "hold", "holding", "is_unpacked_folder", "prune"]

LOCKS = ".in-use"
"""The folder, beside the unpacked artifacts, of the files their holders lock."""

_DIGEST_PREFIX = re.compile(r"[0-9a-f]{32}")
_PARTIAL = re.compile(r"\.[0-9a-f]{32}\..*\.partial")
_held: dict[Path, int] = {}
"""The descriptors of the locks this process holds, open until it exits."""


@dataclass(frozen=True)
class Unused:
    """A folder :func:`prune` removed (or would remove)."""

    path: Path
    bytes: int
    partial: bool
    """An unpack that never finished, rather than an unpacked artifact unused for a while."""


def is_unpacked_folder(root: Path) -> bool:
    """Whether ``root`` is a folder ``unpacked/<digest prefix>`` of a modelport home."""
    return root.parent.name == "unpacked" and bool(_DIGEST_PREFIX.fullmatch(root.name))


def hold(root: Path) -> None:
    """Mark the unpacked artifact at ``root`` as used now and keep :func:`prune` from removing
    it while this process runs (a process that loads the model). Call it before looking into
    the folder: a prune under way finishes first. A folder outside a home's ``unpacked/`` (an
    image's ``model/``) and a home this process may not write to are left as they are."""
    root = Path(root)
    if root in _held:
        return
    descriptor = _locked(root)
    if descriptor is not None:
        _held[root] = descriptor


@contextlib.contextmanager
def holding(root: Path) -> Iterator[None]:
    """:func:`hold` for the ``with`` block only (a command that unpacks or reads the folder for a
    process it starts, which holds it in turn), so a command running long (``serve --reload``,
    one version after another) does not keep every version it ever served."""
    descriptor = _locked(Path(root))
    try:
        yield
    finally:
        if descriptor is not None:
            os.close(descriptor)


def _locked(root: Path) -> int | None:
    """A descriptor holding the shared lock of ``root``, its use marked; None where there is
    nothing to hold."""
    if not is_unpacked_folder(root):
        return None
    try:
        (root.parent / LOCKS).mkdir(parents=True, exist_ok=True)
        descriptor = os.open(root.parent / LOCKS / root.name, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return None  # a read-only home: nothing there is ever pruned by this user
    fcntl.flock(descriptor, fcntl.LOCK_SH)
    with contextlib.suppress(OSError):  # absent until unpacked; read-only: not marked
        os.utime(root)
    return descriptor


def prune(folder: Path, *, unused_for: float, stale_after: float, dry_run: bool) -> list[Unused]:
    """Remove (unless ``dry_run``) the unpacked artifacts under ``folder`` (a home's
    ``unpacked/``) not used for ``unused_for`` seconds and held by no process, and the unpacks
    cut short ``stale_after`` seconds ago or more."""
    now = time.time()
    removed = []
    for path in sorted(folder.glob("*")) if folder.is_dir() else []:
        partial = bool(_PARTIAL.fullmatch(path.name))
        if not (partial or _DIGEST_PREFIX.fullmatch(path.name)):
            continue
        try:
            age = now - path.stat().st_mtime
        except OSError:
            continue  # removed meanwhile
        if age < (stale_after if partial else unused_for):
            continue
        size = _size(path)
        if partial:
            if not dry_run:
                shutil.rmtree(path, ignore_errors=True)
        elif not _remove_unheld(path, dry_run=dry_run):
            continue
        removed.append(Unused(path, size, partial))
    return removed


def _remove_unheld(root: Path, *, dry_run: bool) -> bool:
    """Remove ``root`` (unless ``dry_run``) if no process holds it; whether it was free."""
    if root in _held:
        return False
    lock = root.parent / LOCKS / root.name
    try:
        (root.parent / LOCKS).mkdir(exist_ok=True)
        descriptor = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return False
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # a running process loaded it
        if not dry_run:
            shutil.rmtree(root, ignore_errors=True)
        return True
    finally:
        os.close(descriptor)


def _size(path: Path) -> int:
    total = 0
    for file in path.rglob("*"):
        with contextlib.suppress(OSError):
            if file.is_file() and not file.is_symlink():
                total += file.stat().st_size
    return total
