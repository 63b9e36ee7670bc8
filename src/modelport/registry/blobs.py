"""Content-addressed storage of artifact zips: one blob per ``sha256`` digest.

A blob is written to a temporary file beside its final place, hashed while it is copied,
flushed to disk and only then renamed into place with ``os.replace``; so a crash at any
moment leaves either no blob or the whole blob, never half of one. A leftover temporary
file (``.tmp-*``) from a crash is never mistaken for a blob.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path

from modelport.errors import InvalidInput, NotFound
from modelport.registry.refs import validate_digest

_CHUNK = 1024 * 1024
_HEX = re.compile(r"[0-9a-f]{64}")


class BlobStore(ABC):
    """Where artifact blobs live, addressed by their ``sha256:<hex>`` digest."""

    @abstractmethod
    def put(self, source: Path, *, digest: str) -> int:
        """Store the file ``source`` under ``digest`` (checked) and return its size in bytes."""

    @abstractmethod
    def exists(self, digest: str) -> bool:
        """Whether a blob with this digest is stored."""

    @abstractmethod
    def local_path(self, digest: str) -> Path:
        """A local file holding the blob (NotFound if it is not stored)."""

    @abstractmethod
    def delete(self, digest: str) -> None:
        """Remove the blob if it is stored; do nothing if it is not."""

    @abstractmethod
    def digests(self) -> dict[str, int]:
        """Every stored blob's digest, with its size in bytes."""


class LocalBlobStore(BlobStore):
    """Blobs as files under ``root/sha256/<first two hex>/<hex>``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_for(self, digest: str) -> Path:
        """Where the blob with ``digest`` lives (whether or not it is stored)."""
        hexdigest = validate_digest(digest).removeprefix("sha256:")
        return self.root / "sha256" / hexdigest[:2] / hexdigest

    def exists(self, digest: str) -> bool:
        return self.path_for(digest).is_file()

    def local_path(self, digest: str) -> Path:
        path = self.path_for(digest)
        if not path.is_file():
            raise NotFound(
                f"blob {digest} is missing from {self.root}",
                hint="The registry's blob folder was changed by hand; register the artifact again.",
            )
        return path

    def put(self, source: Path, *, digest: str) -> int:
        target = self.path_for(digest)
        if not source.is_file():
            raise InvalidInput(
                f"artifact {source} does not exist or is not a file",
                hint="Pass the path of a built artifact zip.",
                field="artifact",
            )
        if target.is_file():
            return target.stat().st_size
        _private_folders(target.parent, self.root)
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        tmp = Path(tmp_name)
        try:
            size, actual = _copy_hashing(source, fd)
            if actual != digest:
                raise InvalidInput(
                    f"artifact {source} has digest {actual}, not {digest} as given",
                    hint="The file changed after it was built; build it again.",
                    field="digest",
                )
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _fsync_dir(target.parent)
        return size

    def delete(self, digest: str) -> None:
        path = self.path_for(digest)
        path.unlink(missing_ok=True)
        _fsync_dir(path.parent)

    def digests(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for path in sorted((self.root / "sha256").glob("??/*")):
            if _HEX.fullmatch(path.name) and path.name.startswith(path.parent.name):
                with contextlib.suppress(OSError):  # removed meanwhile
                    found[f"sha256:{path.name}"] = path.stat().st_size
        return found


def _private_folders(folder: Path, root: Path) -> None:
    """Make ``folder`` and the folders between it and ``root`` (``root`` included), readable
    by their owner only (0700) where they are new; blobs are 0600, as ``mkstemp`` makes them."""
    if folder.is_dir():
        return
    if folder == root or folder.parent == folder:
        folder.parent.mkdir(parents=True, exist_ok=True)  # the home: not the registry's own
    else:
        _private_folders(folder.parent, root)
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
        folder.chmod(0o700)  # mkdir's mode is masked by the umask


def sha256_file(path: Path) -> str:
    """The ``sha256:<hex>`` digest of a file's bytes."""
    hasher = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            hasher.update(chunk)
    return f"sha256:{hasher.hexdigest()}"


def _copy_hashing(source: Path, fd: int) -> tuple[int, str]:
    """Copy ``source`` into the open descriptor ``fd`` (closing it, after fsync)."""
    hasher = hashlib.sha256()
    size = 0
    with source.open("rb") as reader, os.fdopen(fd, "wb") as writer:
        while chunk := reader.read(_CHUNK):
            hasher.update(chunk)
            writer.write(chunk)
            size += len(chunk)
        writer.flush()
        os.fsync(writer.fileno())
    return size, f"sha256:{hasher.hexdigest()}"


def _fsync_dir(directory: Path) -> None:
    """Make a rename or unlink in ``directory`` durable (where the platform allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
