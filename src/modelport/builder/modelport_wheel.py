"""modelport itself in a model's environment: a wheel of the installation running the command.

modelport is not installed by name from a package index (the version running may not be
published, or may differ from it), nor linked to a source folder (an editable install's clone
may move). The files of the imported ``modelport`` package, with its installed metadata (the
entry points of its conventions and its pytest plugin), are packed into a wheel once per digest
of those files, under ``<envs_dir>/wheels/``; the digest is part of an environment's key, so a
change of modelport's code gives models a new environment with the new code.

Hashing every file took about 30 ms of each ``modelport serve``; the digest is kept beside the
package's bytecode (``__pycache__/modelport-digest.json``) with a stamp of every file's size,
modification time and inode, and reused while the stamp holds, as Python reuses bytecode while
its source's size and time hold. Files changed within the last ``RACY_SECONDS`` are not trusted
to have a new time (the kernel's file clock moves in steps of milliseconds), so no digest is kept
while they are that fresh; a package folder that cannot be written keeps none either.

The installed metadata is read from modelport's ``dist-info`` folder, found on ``sys.path`` as
``importlib.metadata`` finds it (the first one in path order) but without importing it: that
import and its search took about 15 ms of each ``modelport serve`` too.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

import modelport

_SKIPPED_DIRS = frozenset({"__pycache__"})
_SKIPPED_SUFFIXES = (".pyc", ".pyo")
_WHEEL = "Wheel-Version: 1.0\nGenerator: modelport\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
_DATE = (1980, 1, 1, 0, 0, 0)
DIGEST_CACHE = Path("__pycache__") / "modelport-digest.json"
"""Where a package folder's digest is kept, with the stamp it was computed for."""
RACY_SECONDS = 2.0
"""Files modified this recently keep their digest from being kept."""


class InstalledMetadata(Protocol):
    """What a ModelportInstall reads of an installed distribution (an
    ``importlib.metadata.Distribution`` is one)."""

    @property
    def version(self) -> str: ...

    def read_text(self, filename: str) -> str | None: ...


@dataclass(frozen=True)
class DistInfo:
    """An installed distribution's metadata folder (``NAME-VERSION.dist-info``), read file by
    file."""

    folder: Path

    @property
    def version(self) -> str:
        """The ``Version`` header of its METADATA."""
        for line in (self.read_text("METADATA") or "").splitlines():
            if not line:
                break  # the headers end at the first empty line
            key, _, value = line.partition(":")
            if key.strip().lower() == "version":
                return value.strip()
        return self.folder.name.removesuffix(".dist-info").rpartition("-")[2]

    def read_text(self, filename: str) -> str | None:
        """The file's text; None when the folder has no such file."""
        try:
            return (self.folder / filename).read_text(encoding="utf-8")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None


@dataclass(frozen=True)
class ModelportInstall:
    """The modelport a model's environment gets: the files of ``package`` and their digest."""

    package: Path
    """The ``modelport`` package folder (an editable install's is in its source tree)."""
    version: str
    digest: str
    """sha256 (hex) of every file of the package, its metadata and the version."""
    metadata: str
    entry_points: str

    @classmethod
    def current(cls) -> ModelportInstall:
        """The modelport running this process."""
        return _current()

    @classmethod
    def of(cls, package: Path, dist: InstalledMetadata) -> ModelportInstall:
        """The package folder ``package`` with the metadata of the installed ``dist``."""
        version = dist.version
        metadata = dist.read_text("METADATA") or (
            f"Metadata-Version: 2.1\nName: modelport\nVersion: {version}\n"
        )
        entry_points = dist.read_text("entry_points.txt") or ""
        texts = (version, metadata, entry_points)
        files = _files(package)
        stamp, newest = _stamp(package, files, texts)
        digest = _kept_digest(package, stamp)
        if digest is None:
            digest = _digest(package, files, texts)
            if time.time() - newest > RACY_SECONDS:
                _keep_digest(package, stamp, digest)
        return cls(package, version, digest, metadata, entry_points)

    @property
    def wheel_name(self) -> str:
        return f"modelport-{self.version}-py3-none-any.whl"

    def wheel(self, wheels_dir: Path) -> Path:
        """The wheel of these files, made once per digest (atomically: concurrent builds write
        the same bytes)."""
        path = wheels_dir / self.digest[:16] / self.wheel_name
        if path.is_file():
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".part", delete=False) as out:
            try:
                self._write(Path(out.name))
                os.replace(out.name, path)
            except BaseException:
                Path(out.name).unlink(missing_ok=True)
                raise
        return path

    def _write(self, target: Path) -> None:
        info = f"modelport-{self.version}.dist-info"
        record: list[str] = []
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as wheel:

            def add(name: str, data: bytes) -> None:
                entry = zipfile.ZipInfo(name, date_time=_DATE)
                entry.external_attr = 0o644 << 16
                wheel.writestr(entry, data, zipfile.ZIP_DEFLATED)
                hashed = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
                record.append(f"{name},sha256={hashed.decode()},{len(data)}")

            for relative in _files(self.package):
                add(f"modelport/{relative}", (self.package / relative).read_bytes())
            add(f"{info}/METADATA", self.metadata.encode())
            add(f"{info}/WHEEL", _WHEEL.encode())
            if self.entry_points:
                add(f"{info}/entry_points.txt", self.entry_points.encode())
            record.append(f"{info}/RECORD,,")
            wheel.writestr(zipfile.ZipInfo(f"{info}/RECORD", date_time=_DATE), "\n".join(record))


@cache
def _current() -> ModelportInstall:
    package = Path(modelport.__file__).resolve().parent
    return ModelportInstall.of(package, installed_metadata())


def installed_metadata() -> InstalledMetadata:
    """modelport's installed metadata: the first ``modelport-*.dist-info`` folder on
    ``sys.path``, else what ``importlib.metadata`` finds (an ``.egg-info``, a zip)."""
    for entry in sys.path:
        with contextlib.suppress(OSError), os.scandir(entry or ".") as found:
            for item in found:
                if _is_own_dist_info(item.name) and item.is_dir():
                    return DistInfo(Path(item.path))
    import importlib.metadata

    return importlib.metadata.distribution("modelport")


def _is_own_dist_info(name: str) -> bool:
    return name.startswith("modelport-") and name.endswith(".dist-info")


def _files(package: Path) -> list[str]:
    """Every file of the package (bytecode left out), as sorted POSIX paths relative to it."""
    root = str(package)
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS and not d.startswith("."))
        base = os.path.relpath(folder, root)
        prefix = "" if base == "." else base.replace(os.sep, "/") + "/"
        found += [
            prefix + name
            for name in files
            if not name.endswith(_SKIPPED_SUFFIXES) and not name.startswith(".")
        ]
    return sorted(found)


def _digest(package: Path, files: list[str], texts: tuple[str, ...]) -> str:
    """sha256 (hex) of ``texts`` and of every file's path and contents."""
    digest = hashlib.sha256()
    for text in texts:
        digest.update(hashlib.sha256(text.encode()).digest())
    for relative in files:
        digest.update(relative.encode() + b"\0")
        digest.update(hashlib.sha256((package / relative).read_bytes()).digest())
    return digest.hexdigest()


def _stamp(package: Path, files: list[str], texts: tuple[str, ...]) -> tuple[str, float]:
    """What the digest of these files was computed for (``texts`` and every file's path, size,
    modification time and inode), and the newest modification time among them."""
    stamp = hashlib.sha256()
    for text in texts:
        stamp.update(hashlib.sha256(text.encode()).digest())
    newest = 0.0
    root = str(package)
    for relative in files:
        info = os.stat(os.path.join(root, relative))
        newest = max(newest, info.st_mtime)
        stamp.update(f"{relative}\0{info.st_size}\0{info.st_mtime_ns}\0{info.st_ino}\n".encode())
    return stamp.hexdigest(), newest


def _kept_digest(package: Path, stamp: str) -> str | None:
    try:
        kept = json.loads((package / DIGEST_CACHE).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(kept, dict) or kept.get("stamp") != stamp:
        return None
    digest = kept.get("digest")
    return digest if isinstance(digest, str) else None


def _keep_digest(package: Path, stamp: str, digest: str) -> None:
    """Write the digest beside the bytecode (atomically); nothing when the folder is read-only."""
    path = package / DIGEST_CACHE
    with contextlib.suppress(OSError):
        path.parent.mkdir(exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".part", delete=False) as out:
            out.write(json.dumps({"stamp": stamp, "digest": digest}))
        os.replace(out.name, path)
