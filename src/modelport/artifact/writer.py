"""Writing an artifact: a deterministic zip with ``modelport.yaml`` last, moved into place whole.

Entries are sorted by name and written with fixed timestamps, modes and compression, so the same
files give the same bytes and the same digest on one machine. The zip is written to a temporary
file beside its destination and renamed into place only once complete.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from modelport.artifact.digests import CHUNK_BYTES, hash_stream
from modelport.artifact.manifest import (
    MANIFEST_NAME,
    FileRecord,
    Manifest,
    arcname_problem,
    layout_clash,
)
from modelport.artifact.signing import SIGNATURE_NAME
from modelport.errors import ArtifactError

ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
COMPRESS_LEVEL = 6
FILE_MODE = stat.S_IFREG | 0o644


@dataclass(frozen=True)
class ArtifactInfo:
    """What ``write_artifact`` produced: where, its digest (``sha256:<hex>``), size, manifest."""

    path: Path
    digest: str
    size: int
    manifest: Manifest


def write_artifact(
    dest: Path,
    *,
    manifest: Manifest,
    files: Mapping[str, Path | bytes],
    sign: Callable[[bytes], bytes] | None = None,
) -> ArtifactInfo:
    """Write the artifact zip for ``files`` (arcname -> path or bytes) to ``dest``, atomically.

    ``manifest.files`` is replaced by the sha256 and size of every file written. The zip is
    written to a temporary file beside ``dest`` and moved into place with ``os.replace``.
    ``sign``, given the manifest's bytes, answers the signature member (``signing``).
    """
    dest = Path(dest)
    names = sorted(files)
    _check_names_to_write(dest, names)
    # Refuse a manifest that would not read back before streaming any (possibly large) file.
    Manifest.from_yaml(replace(manifest, files={}).to_yaml(), source=f"manifest for {dest}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w+b") as handle:
            with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                records = {name: _write_entry(archive, name, files[name]) for name in names}
                full = replace(manifest, files=records)
                manifest_bytes = full.to_yaml().encode("utf-8")
                _write_entry(archive, MANIFEST_NAME, manifest_bytes)
                if sign is not None:
                    _write_entry(archive, SIGNATURE_NAME, sign(manifest_bytes))
            handle.flush()
            os.fsync(handle.fileno())
            handle.seek(0)
            digest = "sha256:" + hash_stream(handle).hex()
            size = handle.tell()
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return ArtifactInfo(path=dest, digest=digest, size=size, manifest=full)


def _check_names_to_write(dest: Path, names: list[str]) -> None:
    for name in names:
        problem = (
            arcname_problem(name)
            if name not in (MANIFEST_NAME, SIGNATURE_NAME)
            else "is reserved for the manifest and its signature"
        )
        if problem is not None:
            raise ArtifactError(
                f"cannot write {dest}: entry name {name!r} {problem}",
                hint="Name packaged files by relative POSIX paths such as 'src/main/model.py'.",
                field=name,
            )
    clash = layout_clash([*names, MANIFEST_NAME])
    if clash is not None:
        raise ArtifactError(
            f"cannot write {dest}: entry {clash[0]!r} {clash[1]}",
            hint="Rename one of the two files so every name is distinct.",
            field=clash[0],
        )


def _zip_info(name: str, size: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = COMPRESS_LEVEL  # type: ignore[attr-defined]
    info.create_system = 3  # Unix, whatever the platform writing it
    info.external_attr = FILE_MODE << 16
    info.file_size = size  # decides ZIP64 up front; zipfile records the real size
    return info


@contextmanager
def _open_source(name: str, source: Path | bytes) -> Iterator[tuple[BinaryIO, int]]:
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        yield io.BytesIO(data), len(data)
        return
    try:
        handle = open(source, "rb")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise ArtifactError(
            f"cannot read {source} for entry {name!r}: {exc.strerror or exc}",
            hint="Check the file exists and is readable.",
            field=name,
        ) from exc
    with handle:
        yield handle, os.fstat(handle.fileno()).st_size


def _write_entry(archive: zipfile.ZipFile, name: str, source: Path | bytes) -> FileRecord:
    digest = hashlib.sha256()
    size = 0
    with _open_source(name, source) as (src, expected_size):
        out = archive.open(_zip_info(name, expected_size), "w")
        with out:
            while chunk := src.read(CHUNK_BYTES):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
    return FileRecord(sha256=digest.hexdigest(), size=size)
