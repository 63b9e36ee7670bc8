"""Unpacking a zip a user uploads (a Wallaroo BYOP or step zip, an MLflow model, a saved Hugging
Face pipeline): untrusted until proven otherwise, as an artifact is.

Every member is checked before anything is written: a path that leaves the folder (absolute, or
through ``..``), a link, or an encrypted member is refused naming it, and so is a zip whose
members declare more bytes in all than ``max_bytes`` (the ``max_artifact_bytes`` setting, 2 GiB
by default): a few megabytes of zip can inflate to gigabytes. Members cannot exceed what they
declare (``zipfile`` stops at the declared size and checks the CRC), so the bound holds.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath

from modelport.errors import ArtifactError

__all__ = ["extract_upload"]


def extract_upload(zip_path: Path, dest: Path, *, max_bytes: int) -> None:
    """Extract ``zip_path`` into ``dest`` after checking every member (see the module
    docstring); ArtifactError naming the member or the bound otherwise."""
    if not zipfile.is_zipfile(zip_path):
        raise ArtifactError(
            f"{zip_path.name} is not a zip file",
            hint="zip the model folder, e.g. `zip -r model.zip model/`",
            field=zip_path.name,
        )
    with zipfile.ZipFile(zip_path) as archive:
        total = 0
        for member in archive.infolist():
            _check_member(zip_path, member)
            total += member.file_size
        if total > max_bytes:
            raise ArtifactError(
                f"{zip_path.name} unpacks to {total:,} bytes, over the limit of {max_bytes:,}",
                hint="if the upload is trusted, raise max_artifact_bytes "
                f"(MODELPORT_MAX_ARTIFACT_BYTES={total})",
                field=zip_path.name,
            )
        archive.extractall(dest)


def _check_member(zip_path: Path, member: zipfile.ZipInfo) -> None:
    path = PurePosixPath(member.filename.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts:
        raise ArtifactError(
            f"{zip_path.name} holds {member.filename!r}, a path outside the model folder",
            hint="zip the folder itself, with relative paths and no '..'",
            field=member.filename,
        )
    if stat.S_ISLNK(member.external_attr >> 16):
        raise ArtifactError(
            f"{zip_path.name} holds {member.filename!r}, a symbolic link",
            hint="zip the files themselves, not links to them",
            field=member.filename,
        )
    if member.flag_bits & 0x1:
        raise ArtifactError(
            f"{zip_path.name} holds {member.filename!r} encrypted",
            hint="zip the model without a password",
            field=member.filename,
        )
