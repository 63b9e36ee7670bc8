"""Where an upload is laid out for the build: a folder of its own, once per file digest.

A BYOP zip is extracted safely (one top folder, no path leaving it); any other upload (a python
step, an ONNX or pickle file) is copied alone into a folder. The build process and the build
step (which both read the layout, the step from the folder) then see the same files.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from modelport.artifact.uploads import extract_upload
from modelport.errors import ArtifactError
from modelport.settings import get_settings

STAGING_ROOT = Path(tempfile.gettempdir()) / "modelport-wallaroo"
UNZIPPED = STAGING_ROOT / "zip"
COPIED = STAGING_ROOT / "file"


def unpacked_folder(zip_path: Path) -> Path:
    """The zip's one top folder, extracted; ArtifactError when the zip is not one or unsafe."""
    dest = _staged(zip_path, UNZIPPED, _extract)
    entries = [p for p in dest.iterdir() if p.name != "__MACOSX"]
    if len(entries) != 1 or not entries[0].is_dir():
        names = sorted(p.name for p in entries)
        raise ArtifactError(
            f"{zip_path.name} must hold exactly one top folder, not {names}",
            hint="put the .py files, requirements.txt and artifacts in one folder and zip it",
            field=zip_path.name,
        )
    return entries[0]


def copied_folder(file: Path) -> Path:
    """A folder holding only a copy of ``file``."""
    dest = _staged(file, COPIED, lambda source, folder: _copy(source, folder / source.stem))
    return dest / file.stem


def staged_kind(folder: Path) -> str | None:
    """``zip`` or ``file`` for a folder this module made, else None."""
    parent = folder.resolve().parent.parent
    if parent == UNZIPPED.resolve():
        return "zip"
    if parent == COPIED.resolve():
        return "file"
    return None


def _staged(source: Path, base: Path, fill: Callable[[Path, Path], None]) -> Path:
    digest = hashlib.sha256(source.name.encode() + b"\0" + source.read_bytes()).hexdigest()
    dest = base / digest[:32]
    if dest.is_dir():
        return dest
    base.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="staging-", dir=base))
    try:
        fill(source, staging)
        staging.rename(dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if not dest.is_dir():
            raise
    return dest


def _copy(source: Path, folder: Path) -> None:
    folder.mkdir()
    shutil.copy2(source, folder / source.name)


def _extract(zip_path: Path, dest: Path) -> None:
    extract_upload(zip_path, dest, max_bytes=get_settings().max_artifact_bytes)
