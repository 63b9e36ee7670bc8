"""modelport itself in a model's environment: a wheel of the installation running the command.

modelport is not installed by name from a package index (the version running may not be
published, or may differ from it), nor linked to a source folder (an editable install's clone
may move). The files of the imported ``modelport`` package, with its installed metadata (the
entry points of its conventions and its pytest plugin), are packed into a wheel once per digest
of those files, under ``<envs_dir>/wheels/``; the digest is part of an environment's key, so a
change of modelport's code gives models a new environment with the new code.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import os
import tempfile
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import modelport

_SKIPPED_DIRS = frozenset({"__pycache__"})
_SKIPPED_SUFFIXES = (".pyc", ".pyo")
_WHEEL = "Wheel-Version: 1.0\nGenerator: modelport\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
_DATE = (1980, 1, 1, 0, 0, 0)


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
    def of(cls, package: Path, dist: importlib.metadata.Distribution) -> ModelportInstall:
        """The package folder ``package`` with the metadata of the installed ``dist``."""
        metadata = dist.read_text("METADATA") or (
            f"Metadata-Version: 2.1\nName: modelport\nVersion: {dist.version}\n"
        )
        entry_points = dist.read_text("entry_points.txt") or ""
        digest = hashlib.sha256()
        for text in (dist.version, metadata, entry_points):
            digest.update(hashlib.sha256(text.encode()).digest())
        for relative in _files(package):
            digest.update(relative.encode() + b"\0")
            digest.update(hashlib.sha256((package / relative).read_bytes()).digest())
        return cls(package, dist.version, digest.hexdigest(), metadata, entry_points)

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
    return ModelportInstall.of(package, importlib.metadata.distribution("modelport"))


def _files(package: Path) -> list[str]:
    """Every file of the package (bytecode left out), as sorted POSIX paths relative to it."""
    found = []
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS and not d.startswith("."))
        base = Path(folder).relative_to(package)
        found += [
            (base / name).as_posix()
            for name in files
            if not name.endswith(_SKIPPED_SUFFIXES) and not name.startswith(".")
        ]
    return sorted(found)
