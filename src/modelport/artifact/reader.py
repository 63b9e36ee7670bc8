"""Reading an artifact: nothing in the zip is trusted.

Names, entry types, sizes and the listing are checked against the manifest before anything is
read; every byte read is counted and hashed, and extraction goes to a temporary folder that is
renamed into place only once every checksum matched.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from modelport.artifact.digests import CHUNK_BYTES, file_digest
from modelport.artifact.manifest import (
    MANIFEST_NAME,
    MAX_MANIFEST_BYTES,
    FileRecord,
    Manifest,
    arcname_problem,
    layout_clash,
)
from modelport.artifact.signing import MAX_SIGNATURE_BYTES, SIGNATURE_NAME
from modelport.errors import ArtifactError, Conflict, NotFound

if TYPE_CHECKING:
    from modelport.settings import Settings

_BAD_ARTIFACT = "Do not use this file: rebuild the artifact or fetch it again from the registry."


@dataclass(frozen=True)
class Artifact:
    """An artifact zip whose manifest and directory were checked by ``open_artifact``.

    Nothing is extracted until ``extract``; every read verifies the entry's sha256.
    """

    path: Path
    manifest: Manifest
    digest: str
    size: int
    max_bytes: int

    def read_bytes(self, name: str) -> bytes:
        """The bytes of one entry, after checking its size and sha256 against the manifest."""
        record = self._record(name)
        data = bytearray()
        with self._zip() as (archive, infos):
            _read_entry(self.path, archive, infos[name], record, data.extend)
        return bytes(data)

    def verify(self) -> None:
        """Check every entry's size and sha256 without writing anything."""
        with self._zip() as (archive, infos):
            for name, record in sorted(self.manifest.files.items()):
                _read_entry(self.path, archive, infos[name], record, lambda _chunk: None)

    def extract(self, dest_dir: Path) -> Path:
        """Unpack into ``dest_dir`` (absent or empty) only once every checksum matched."""
        dest = Path(dest_dir)
        if dest.exists() and not (dest.is_dir() and not any(dest.iterdir())):
            raise Conflict(
                f"cannot extract {self.path} into {dest}: it already exists",
                hint="Remove it or choose another folder.",
            )
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".partial"))
        try:
            with self._zip() as (archive, infos):
                for name, record in sorted(self.manifest.files.items()):
                    target = tmp.joinpath(*name.split("/"))
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with open(target, "xb") as out:
                        _read_entry(self.path, archive, infos[name], record, out.write)
            (tmp / MANIFEST_NAME).write_text(self.manifest.to_json(), encoding="utf-8")
            os.chmod(tmp, 0o755)  # mkdtemp made it private; the result is an ordinary folder
            if dest.is_dir():
                dest.rmdir()
            os.rename(tmp, dest)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return dest

    def signed_parts(self) -> tuple[bytes, bytes | None]:
        """The manifest's bytes as stored, and the signature over them (None: unsigned)."""
        with self._zip() as (archive, infos):
            manifest = archive.read(infos[MANIFEST_NAME])
            signature = infos.get(SIGNATURE_NAME)
            if signature is None:
                return manifest, None
            if signature.file_size > MAX_SIGNATURE_BYTES:
                raise _entry_error(self.path, SIGNATURE_NAME, "is larger than a signature may be")
            return manifest, archive.read(signature)

    def _record(self, name: str) -> FileRecord:
        try:
            return self.manifest.files[name]
        except KeyError:
            raise NotFound(
                f"{self.path} has no entry {name!r}",
                hint="See Artifact.manifest.files for its entries.",
                field=name,
            ) from None

    @contextmanager
    def _zip(self) -> Iterator[tuple[zipfile.ZipFile, dict[str, zipfile.ZipInfo]]]:
        """Reopen the zip, re-checking its directory (the file may have changed since)."""
        with _open_zip(self.path) as archive:
            infos = _check_directory(self.path, archive, self.max_bytes)
            _check_listing(self.path, infos, self.manifest)
            yield archive, infos


def unpacked_root(artifact: Artifact, settings: Settings) -> Path:
    """Where the artifact's files live on disk (extracted once per digest, then reused)."""
    root = unpacked_path(artifact.digest, settings)
    if not root.is_dir():
        artifact.extract(root)
    return root


def unpacked_path(digest: str, settings: Settings) -> Path:
    """The folder the artifact with ``digest`` is unpacked to: it exists only once every file was
    checked against the artifact's manifest (``Artifact.extract`` renames it into place last)."""
    return settings.home / "unpacked" / digest.removeprefix("sha256:")[:32]


def open_artifact(
    path: Path, *, max_bytes: int | None = None, expected_digest: str | None = None
) -> Artifact:
    """Open and validate an artifact without extracting anything.

    ``max_bytes`` bounds the total uncompressed size (default: the ``max_artifact_bytes``
    setting). ``expected_digest``, when given (e.g. from the registry), must match the file.
    """
    path = Path(path)
    if max_bytes is None:
        from modelport.settings import Settings

        max_bytes = Settings().max_artifact_bytes
    limit = max_bytes
    try:
        digest = file_digest(path)
    except OSError as exc:
        raise ArtifactError(
            f"cannot read artifact {path}: {exc.strerror or exc}",
            hint="Check the path; artifacts are the .zip files modelport builds.",
        ) from exc
    if expected_digest is not None and digest != expected_digest:
        raise ArtifactError(
            f"{path} has digest {digest}, expected {expected_digest}",
            hint=_BAD_ARTIFACT,
        )
    with _open_zip(path) as archive:
        infos = _check_directory(path, archive, limit)
        manifest = _read_manifest(path, archive, infos)
        _check_listing(path, infos, manifest)
    return Artifact(
        path=path, manifest=manifest, digest=digest, size=path.stat().st_size, max_bytes=limit
    )


@contextmanager
def _open_zip(path: Path) -> Iterator[zipfile.ZipFile]:
    try:
        archive = zipfile.ZipFile(path, "r")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise ArtifactError(
            f"{path} is not a readable zip file ({exc})",
            hint="Check the path; artifacts are the .zip files modelport builds.",
        ) from exc
    with archive:
        yield archive


def _entry_error(path: Path, name: str, problem: str, hint: str = _BAD_ARTIFACT) -> ArtifactError:
    return ArtifactError(f"{path}: entry {name!r} {problem}", hint=hint, field=name)


def _check_directory(
    path: Path, archive: zipfile.ZipFile, limit: int
) -> dict[str, zipfile.ZipInfo]:
    """Check every entry of the zip directory; return them by name."""
    infos: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in archive.infolist():
        name = info.filename
        if info.orig_filename != name:
            raise _entry_error(path, info.orig_filename, "has a NUL byte in its name")
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise _entry_error(path, name, "is a symlink; artifacts hold regular files only")
        if info.is_dir() or stat.S_IFMT(mode) not in (0, stat.S_IFREG):
            raise _entry_error(path, name, "is not a regular file")
        problem = arcname_problem(name)
        if problem is not None:
            raise _entry_error(path, name, f"is unsafe: its name {problem}")
        if info.flag_bits & 0x1:
            raise _entry_error(path, name, "is encrypted; artifacts are never encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _entry_error(path, name, f"uses compression method {info.compress_type}")
        if name in infos:
            raise _entry_error(path, name, "appears more than once in the zip")
        infos[name] = info
        total += info.file_size
    if total > limit:
        largest = max(infos.values(), key=lambda info: info.file_size)
        raise _entry_error(
            path,
            largest.filename,
            f"(the largest of {len(infos)}) brings the total unpacked size to {total} bytes, "
            f"over the limit of {limit}",
            hint=f"If the artifact is trusted, raise the limit above {total} bytes: set "
            f"MODELPORT_MAX_ARTIFACT_BYTES={_round_up(total)} (or max_artifact_bytes in "
            "modelport.toml).",
        )
    clash = layout_clash(infos)
    if clash is not None:
        raise _entry_error(path, clash[0], clash[1])
    if MANIFEST_NAME not in infos:
        raise _entry_error(
            path,
            MANIFEST_NAME,
            "is missing, so this is not a modelport artifact",
            hint="Build the artifact with modelport (modelport build).",
        )
    return infos


def _round_up(total: int) -> int:
    """``total`` rounded up to a whole GiB: a limit a person would write."""
    return -(-total // 1024**3) * 1024**3


def _read_manifest(
    path: Path, archive: zipfile.ZipFile, infos: Mapping[str, zipfile.ZipInfo]
) -> Manifest:
    info = infos[MANIFEST_NAME]
    if info.file_size > MAX_MANIFEST_BYTES:
        raise _entry_error(
            path,
            MANIFEST_NAME,
            f"declares {info.file_size} bytes, over the {MAX_MANIFEST_BYTES} a manifest may hold",
        )
    try:
        with archive.open(info) as handle:
            data = handle.read(MAX_MANIFEST_BYTES + 1)
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise _entry_error(path, MANIFEST_NAME, f"is corrupt ({exc})") from exc
    if len(data) > MAX_MANIFEST_BYTES:
        raise _entry_error(path, MANIFEST_NAME, "is larger than a manifest may be")
    return Manifest.from_yaml(data, source=f"{path}: {MANIFEST_NAME}")


def _check_listing(path: Path, infos: Mapping[str, zipfile.ZipInfo], manifest: Manifest) -> None:
    """The zip holds exactly the files the manifest lists, with the sizes it declares."""
    for name, info in sorted(infos.items()):
        if name in (MANIFEST_NAME, SIGNATURE_NAME):
            continue
        record = manifest.files.get(name)
        if record is None:
            raise _entry_error(path, name, "is not listed in the manifest")
        if info.file_size != record.size:
            raise _entry_error(
                path,
                name,
                f"declares {info.file_size} bytes in the zip but {record.size} in the manifest",
            )
    for name in sorted(manifest.files):
        if name not in infos:
            raise _entry_error(path, name, "is listed in the manifest but missing from the zip")


def _read_entry(
    path: Path,
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    record: FileRecord,
    sink: Callable[[bytes], object],
) -> None:
    """Stream one entry to ``sink``, counting real bytes and checking size and sha256.

    Real bytes never exceed the declared size, and declared sizes were bounded in total by
    ``_check_directory``, so a lying header cannot make the total exceed the limit.
    """
    name = info.filename
    digest = hashlib.sha256()
    count = 0
    try:
        with archive.open(info) as handle:
            while chunk := handle.read(CHUNK_BYTES):
                count += len(chunk)
                if count > record.size:
                    raise _entry_error(
                        path, name, f"unpacks to more than its declared {record.size} bytes"
                    )
                digest.update(chunk)
                sink(chunk)
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise _entry_error(path, name, f"is corrupt ({exc})") from exc
    if count != record.size:
        raise _entry_error(
            path, name, f"unpacks to {count} bytes, not the {record.size} the manifest declares"
        )
    if digest.hexdigest() != record.sha256:
        raise _entry_error(
            path,
            name,
            "does not match its sha256 in the manifest (the artifact was altered or damaged)",
        )
