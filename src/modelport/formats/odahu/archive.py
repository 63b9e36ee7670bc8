"""OMAF artifacts as they come: a ZIP (the spec), a directory or a .tgz (what Odahu's tools
wrote). Archives are checked whole before anything is written (no absolute paths, no ``..``, no
links, a size limit) and unpacked once per content digest."""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

from modelport.artifact.digests import file_digest
from modelport.artifact.manifest import arcname_problem
from modelport.errors import ArtifactError
from modelport.formats.odahu.manifest import MANIFEST_NAMES

ZIP_SUFFIXES = (".zip",)
TAR_SUFFIXES = (".tgz", ".tar.gz", ".tar")
_HINT = "an OMAF artifact holds only regular files and folders, at paths inside it"


def is_archive(path: Path) -> bool:
    """Whether ``path`` is a file named like an archive this format reads."""
    name = path.name.lower()
    return path.is_file() and name.endswith(ZIP_SUFFIXES + TAR_SUFFIXES)


def archive_names(path: Path) -> list[str]:
    """The entry names of an archive, without unpacking it ([] when it cannot be read)."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                return archive.namelist()
        with tarfile.open(path, "r:*") as archive:
            return [name.removeprefix("./") for name in archive.getnames()]
    except (OSError, zipfile.BadZipFile, tarfile.TarError):
        return []


def holds_manifest(names: list[str]) -> bool:
    """Whether an archive's entries put a manifest at its root (or its single top folder)."""
    for name in names:
        parts = name.split("/")
        if parts[-1] in MANIFEST_NAMES and len(parts) <= 2:
            return True
    return False


def unpack(path: Path, cache: Path, *, max_bytes: int) -> Path:
    """The folder holding the archive's files (unpacked into ``cache`` once per digest)."""
    digest = file_digest(path).removeprefix("sha256:")
    dest = cache / digest[:32]
    if dest.is_dir():
        return dest
    cache.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".unpacking-", dir=cache))
    try:
        if zipfile.is_zipfile(path):
            _unpack_zip(path, scratch, max_bytes)
        else:
            _unpack_tar(path, scratch, max_bytes)
        os.replace(scratch, dest)
    except OSError:
        if not dest.is_dir():
            raise
    finally:
        if scratch.exists():
            shutil.rmtree(scratch, ignore_errors=True)
    return dest


def _unpack_zip(path: Path, dest: Path, max_bytes: int) -> None:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ArtifactError(f"{path.name} is not a readable ZIP ({exc})", field=path.name) from exc
    with archive:
        infos = archive.infolist()
        for info in infos:
            _check_name(path, info.filename)
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                raise _unsafe(path, info.filename, "is a symbolic link")
        _check_size(path, sum(info.file_size for info in infos), max_bytes)
        for info in infos:
            target = dest / info.filename.rstrip("/")
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, target.open("wb") as sink:
                shutil.copyfileobj(source, sink)


def _unpack_tar(path: Path, dest: Path, max_bytes: int) -> None:
    try:
        with tarfile.open(path, "r:*") as archive:
            members = list(_tar_members(path, archive))
            _check_size(path, sum(m.size for m, _ in members), max_bytes)
            for member, name in members:
                _write_tar_member(path, archive, member, dest / name)
    except tarfile.TarError as exc:
        raise ArtifactError(
            f"{path.name} is neither a ZIP nor a readable tar archive ({exc})", field=path.name
        ) from exc


def _write_tar_member(
    path: Path, archive: tarfile.TarFile, member: tarfile.TarInfo, target: Path
) -> None:
    if member.isdir():
        target.mkdir(parents=True, exist_ok=True)
        return
    source = archive.extractfile(member)
    if source is None:
        raise _unsafe(path, member.name, "cannot be read")
    target.parent.mkdir(parents=True, exist_ok=True)
    with source, target.open("wb") as sink:
        shutil.copyfileobj(source, sink)


def _tar_members(path: Path, archive: tarfile.TarFile) -> Iterator[tuple[tarfile.TarInfo, str]]:
    for member in archive.getmembers():
        name = member.name.removeprefix("./").rstrip("/")
        if name in ("", "."):
            continue
        _check_name(path, name)
        if not (member.isfile() or member.isdir()):
            raise _unsafe(path, name, "is a link or a device, not a regular file")
        yield member, name


def _check_name(path: Path, name: str) -> None:
    problem = arcname_problem(name.rstrip("/"))
    if problem is not None:
        raise _unsafe(path, name, problem)


def _check_size(path: Path, total: int, max_bytes: int) -> None:
    if total > max_bytes:
        raise ArtifactError(
            f"{path.name} unpacks to {total:,} bytes, over the limit of {max_bytes:,}",
            hint="raise MODELPORT_MAX_ARTIFACT_BYTES if the artifact is trusted",
            field=path.name,
        )


def _unsafe(path: Path, name: str, problem: str) -> ArtifactError:
    return ArtifactError(
        f"{path.name}: entry {name!r} {problem}; nothing was unpacked", hint=_HINT, field=name
    )
