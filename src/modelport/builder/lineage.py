"""Where a build came from: the source folder, the digest of its build inputs and, when it is
in a git repository, the commit."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any


def lineage_of(root: Path, *, source_digest: str | None = None) -> dict[str, Any]:
    """``{"source": path, "source_digest": digest, "git_commit": sha, "git_dirty": bool}``;
    ``source_digest`` only when given, git keys only in a repo."""
    lineage: dict[str, Any] = {"source": str(root)}
    if source_digest is not None:
        lineage["source_digest"] = source_digest
    git = shutil.which("git")
    if git is None:
        return lineage
    head = subprocess.run(
        [git, "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    )
    if head.returncode != 0:
        return lineage
    status = subprocess.run(
        [git, "-C", str(root), "status", "--porcelain", "--", "."],
        capture_output=True,
        text=True,
        check=False,
    )
    lineage["git_commit"] = head.stdout.strip()
    lineage["git_dirty"] = bool(status.stdout.strip())
    return lineage
