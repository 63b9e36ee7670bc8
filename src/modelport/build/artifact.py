"""The model artifact: an immutable, reproducible zip with ``modelport.yaml`` at its root.

Writing is deterministic (entries sorted by name, fixed timestamps, modes and compression,
manifest last), so the same files give the same bytes and the same digest on one machine.
Reading never trusts the zip: names, entry types, sizes and the listing are checked against
the manifest before anything is read, every byte read is counted and hashed, and extraction
goes to a temporary folder that is renamed into place only once every checksum matched.
"""

from __future__ import annotations

import fnmatch
import hashlib
import io
import os
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from modelport.build.manifest import MANIFEST_NAME, FileRecord, Manifest, arcname_problem
from modelport.errors import ArtifactError, ConfigError, Conflict, NotFound

if TYPE_CHECKING:
    from modelport.settings import Settings

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

ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
COMPRESS_LEVEL = 6
FILE_MODE = stat.S_IFREG | 0o644
MAX_MANIFEST_BYTES = 16 * 1024**2
_CHUNK = 1024**2
_BAD_ARTIFACT = "Do not use this file: rebuild the artifact or fetch it again from the registry."


@dataclass(frozen=True)
class ArtifactInfo:
    """What ``write_artifact`` produced: where, its digest (``sha256:<hex>``), size, manifest."""

    path: Path
    digest: str
    size: int
    manifest: Manifest


def file_digest(path: Path) -> str:
    """The ``sha256:<hex>`` digest of a file's bytes."""
    with open(path, "rb") as handle:
        return "sha256:" + _hash_stream(handle).hex()


def _hash_stream(handle: BinaryIO) -> bytes:
    digest = hashlib.sha256()
    while chunk := handle.read(_CHUNK):
        digest.update(chunk)
    return digest.digest()


# --- writing ------------------------------------------------------------------------------


def write_artifact(
    dest: Path, *, manifest: Manifest, files: Mapping[str, Path | bytes]
) -> ArtifactInfo:
    """Write the artifact zip for ``files`` (arcname -> path or bytes) to ``dest``, atomically.

    ``manifest.files`` is replaced by the sha256 and size of every file written. The zip is
    written to a temporary file beside ``dest`` and moved into place with ``os.replace``.
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
                _write_entry(archive, MANIFEST_NAME, full.to_yaml().encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
            handle.seek(0)
            digest = "sha256:" + _hash_stream(handle).hex()
            size = handle.tell()
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return ArtifactInfo(path=dest, digest=digest, size=size, manifest=full)


def _check_names_to_write(dest: Path, names: list[str]) -> None:
    for name in names:
        problem = arcname_problem(name) if name != MANIFEST_NAME else "is reserved for the manifest"
        if problem is not None:
            raise ArtifactError(
                f"cannot write {dest}: entry name {name!r} {problem}",
                hint="Name packaged files by relative POSIX paths such as 'src/main/model.py'.",
                field=name,
            )
    clash = _layout_clash([*names, MANIFEST_NAME])
    if clash is not None:
        raise ArtifactError(
            f"cannot write {dest}: entry {clash[0]!r} {clash[1]}",
            hint="Rename one of the two files so every name is distinct.",
            field=clash[0],
        )


def _layout_clash(names: Iterable[str]) -> tuple[str, str] | None:
    """Find two names that cannot both exist on disk (case-only twins, file vs folder)."""
    folded: dict[str, str] = {}
    all_names = set(names)
    for name in sorted(all_names):
        other = folded.setdefault(name.casefold(), name)
        if other != name:
            return name, f"differs from {other!r} only by case"
        parts = name.split("/")
        for end in range(1, len(parts)):
            folder = "/".join(parts[:end])
            if folder in all_names:
                return folder, f"is a file but {name!r} needs it to be a folder"
    return None


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
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
    return FileRecord(sha256=digest.hexdigest(), size=size)


# --- sources ------------------------------------------------------------------------------


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
            content = _hash_stream(handle)
        digest.update(name.encode("utf-8") + b"\0" + content)
    return "sha256:" + digest.hexdigest()


# --- reading ------------------------------------------------------------------------------


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
            (tmp / MANIFEST_NAME).write_text(self.manifest.to_yaml(), encoding="utf-8")
            os.chmod(tmp, 0o755)  # mkdtemp made it private; the result is an ordinary folder
            if dest.is_dir():
                dest.rmdir()
            os.rename(tmp, dest)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return dest

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
    root = settings.home / "unpacked" / artifact.digest.removeprefix("sha256:")[:32]
    if not root.is_dir():
        artifact.extract(root)
    return root


def open_artifact(
    path: Path, *, max_bytes: int | None = None, expected_digest: str | None = None
) -> Artifact:
    """Open and validate an artifact without extracting anything.

    ``max_bytes`` bounds the total uncompressed size (default: the ``max_artifact_bytes``
    setting). ``expected_digest``, when given (e.g. from the registry), must match the file.
    """
    path = Path(path)
    if max_bytes is None:
        from modelport.settings import Settings  # pydantic-settings: only when it is needed

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
            hint="If the artifact is trusted, raise MODELPORT_MAX_ARTIFACT_BYTES.",
        )
    clash = _layout_clash(infos)
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
        if name == MANIFEST_NAME:
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
            while chunk := handle.read(_CHUNK):
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
