"""Scratch folders that name their owner, and the sweep that removes those whose owner is gone.

A build works in folders it removes when it ends: ``modelport-build-*`` and ``modelport-tests-*``
in the temporary folder, ``.build-*`` (an environment being made) and ``.resolve-*`` under the
environments folder. A build killed outright cannot remove them, so each holds an ``.owner`` file
with the process id of the process that made it (and, on Linux, that process's start time, so a
reused pid is not mistaken for the owner). :func:`sweep` removes the folders whose owner is gone;
folders without an owner file (older modelport, or another program) are left alone.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

OWNER_FILE = ".owner"
TEMP_PREFIXES = ("modelport-build-", "modelport-tests-")
"""The scratch folders a build makes in the temporary folder."""
ENV_PREFIXES = (".build-",)
"""The scratch folders a build makes in the environments folder (an environment being made)."""
LOCK_PREFIXES = (".resolve-",)
"""The scratch folders a build makes in the environments' lock cache."""


@contextmanager
def owned_folder(prefix: str, parent: Path | None = None) -> Iterator[Path]:
    """A new folder ``parent/prefix*`` naming this process as its owner, removed on exit."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    try:
        (folder / OWNER_FILE).write_text(json.dumps(_identity(os.getpid())))
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class Leftover:
    """A scratch folder whose owner is gone."""

    path: Path
    owner: int
    bytes: int


def leftovers(envs_dir: Path) -> list[Leftover]:
    """The scratch folders of builds whose process is gone (in the temporary folder and under
    ``envs_dir``), oldest first by name."""
    places = [
        (Path(tempfile.gettempdir()), TEMP_PREFIXES),
        (envs_dir, ENV_PREFIXES),
        (envs_dir / "locks", LOCK_PREFIXES),
    ]
    return [found for parent, prefixes in places for found in leftovers_in(parent, prefixes)]


def leftovers_in(parent: Path, prefixes: tuple[str, ...]) -> list[Leftover]:
    """The owned folders ``parent/<prefix>*`` whose process is gone, oldest first by name."""
    found: list[Leftover] = []
    for folder in _candidates(parent, prefixes):
        owner = _owner(folder)
        if owner is not None and not _alive(owner):
            found.append(Leftover(folder, owner.pid, _size(folder)))
    return found


def sweep(envs_dir: Path, *, dry_run: bool = False) -> list[Leftover]:
    """Remove (unless ``dry_run``) the leftovers :func:`leftovers` finds; return them."""
    return remove(leftovers(envs_dir), dry_run=dry_run)


def remove(found: list[Leftover], *, dry_run: bool = False) -> list[Leftover]:
    """Remove (unless ``dry_run``) the leftover folders ``found``; return them."""
    if not dry_run:
        for leftover in found:
            shutil.rmtree(leftover.path, ignore_errors=True)
    return found


def _candidates(parent: Path, prefixes: tuple[str, ...]) -> list[Path]:
    try:
        entries = sorted(parent.iterdir())
    except OSError:  # absent or unreadable: nothing of ours there
        return []
    return [
        entry
        for entry in entries
        if entry.name.startswith(prefixes) and entry.is_dir() and not entry.is_symlink()
    ]


@dataclass(frozen=True)
class _Owner:
    pid: int
    started: int | None


def _owner(folder: Path) -> _Owner | None:
    try:
        data = json.loads((folder / OWNER_FILE).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("pid"), int) or data["pid"] <= 0:
        return None
    started = data.get("started")
    return _Owner(data["pid"], started if isinstance(started, int) else None)


def _identity(pid: int) -> dict[str, int | None]:
    return {"pid": pid, "started": _start_time(pid)}


def _alive(owner: _Owner) -> bool:
    try:
        os.kill(owner.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process of that id: not ours to judge
        return True
    return owner.started is None or _start_time(owner.pid) in (None, owner.started)


def _start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (Linux), else None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()  # after the command name, which may hold spaces
    try:
        return int(fields[19])  # field 22 of the whole line: starttime
    except (IndexError, ValueError):
        return None


def _size(folder: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):  # removed meanwhile
                total += (Path(root) / name).lstat().st_size
    return total
