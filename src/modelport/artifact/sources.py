"""The files of a project that an artifact packages, and the digest of their contents.

Names are relative POSIX paths checked as artifact entry names; symlinks are followed only while
they stay inside the project.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from modelport.artifact.digests import hash_stream
from modelport.artifact.manifest import arcname_problem
from modelport.errors import ConfigError

DEFAULT_EXCLUDES: tuple[str, ...] = (
    "__pycache__",
    "*.pyc",
    ".git",
    ".pytest_cache",
    ".venv",
    "*.egg-info",
    ".mypy_cache",
    ".ruff_cache",
    ".DS_Store",
)
"""Names (glob patterns, matched against each path component) never packaged."""


def collect_files(
    root: Path, *, base: Path | None = None, excludes: Iterable[str] = DEFAULT_EXCLUDES
) -> dict[str, Path]:
    """Every file under ``root`` as ``{name: path}``, skipping names matching ``excludes``.

    Names are relative POSIX paths from ``base`` (default ``root``; ``root`` must lie inside
    it); paths are ``root``-based, as found. ``excludes`` are glob patterns matched against
    each path component. A symlink that resolves inside ``base`` contributes its target's
    content under the link's name; one pointing outside, a broken one or a loop is refused
    with a ConfigError.
    """
    root = Path(root)
    base = root if base is None else Path(base)
    if not root.is_dir():
        raise ConfigError(f"{root} is not a folder", hint="Point modelport at the project folder.")
    real_base, real_root = base.resolve(), root.resolve()
    if not real_root.is_relative_to(real_base):
        raise ConfigError(f"{root} is not inside {base}", hint="Pass a folder of the project.")
    patterns = tuple(excludes)
    found: dict[str, Path] = {}

    def walk(folder: Path, parts: tuple[str, ...], active: frozenset[Path]) -> None:
        with os.scandir(folder) as entries:
            children = sorted(entry.name for entry in entries)
        for child in children:
            if any(fnmatch.fnmatchcase(child, pattern) for pattern in patterns):
                continue
            path, name = folder / child, "/".join((*parts, child))
            target = _resolve_inside(real_base, path, name)
            if target.is_dir():
                if target in active:
                    raise ConfigError(
                        f"cannot package {path}: it loops back to {target}",
                        hint="Remove the symlink or add its name to the excludes.",
                        field=name,
                    )
                walk(path, (*parts, child), active | {target})
            elif target.is_file():
                found[_checked_source_name(path, name)] = path
            else:
                raise ConfigError(
                    f"cannot package {path}: it is neither a file nor a folder",
                    hint="Remove it or add its name to the excludes.",
                    field=name,
                )

    walk(root, real_root.relative_to(real_base).parts, frozenset({real_root}))
    return found


def _checked_source_name(path: Path, name: str) -> str:
    problem = arcname_problem(name)
    if problem is not None:
        raise ConfigError(
            f"cannot package {path}: its name {problem}",
            hint="Rename the file or add it to the excludes.",
            field=name,
        )
    return name


def _resolve_inside(real_root: Path, path: Path, name: str) -> Path:
    """``path`` with symlinks resolved, refused unless it exists inside ``real_root``."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise ConfigError(
            f"cannot package {path}: it is a broken or looping symlink",
            hint="Fix or remove the symlink, or add its name to the excludes.",
            field=name,
        ) from exc
    if not target.is_relative_to(real_root):
        raise ConfigError(
            f"cannot package {path}: it is a symlink pointing outside the project, to {target}",
            hint="Copy the file into the project instead of linking to it.",
            field=name,
        )
    return target


def source_digest(root: Path, paths: Iterable[str]) -> str:
    """A ``sha256:<hex>`` hash of the named files under ``root`` (names and bytes, sorted).

    Two calls give the same digest exactly when the same names hold the same bytes, so a
    build can tell whether its sources changed.
    """
    root = Path(root)
    real_root = root.resolve()
    digest = hashlib.sha256()
    for name in sorted(set(paths)):
        path = root.joinpath(*name.split("/"))
        target = _resolve_inside(real_root, path, _checked_source_name(path, name))
        with open(target, "rb") as handle:
            content = hash_stream(handle)
        digest.update(name.encode("utf-8") + b"\0" + content)
    return "sha256:" + digest.hexdigest()
