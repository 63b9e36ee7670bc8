"""Writing a content-addressed file so that it is whole or absent: the one way blobs reach disk.

Bytes go to a temporary file (``.tmp-*``) beside their final place and are hashed on the way;
only when the digest is the expected one is the file flushed, fsynced and renamed into place
with ``os.replace``. A crash at any moment leaves either no file or the whole file, never half
of one, and a leftover temporary file is never mistaken for a blob. Both the local blob store
(copying an artifact in) and the blob cache (streaming one down from a remote store) write
through :func:`write_verified`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1024 * 1024
"""Bytes read or written at a time: memory stays bounded whatever the blob's size."""

Advance = Callable[[int], None]
"""Told how many more bytes have moved (a progress bar's ``advance``)."""


@dataclass(frozen=True)
class Written:
    """What :func:`write_verified` saw: the bytes' size and digest, and whether they were kept."""

    size: int
    digest: str
    kept: bool


def write_verified(
    target: Path,
    chunks: Iterable[bytes],
    *,
    digest: str,
    root: Path,
    progress: Advance | None = None,
) -> Written:
    """Write ``chunks`` to ``target`` if their sha256 is ``digest``; else leave nothing.

    Folders between ``root`` and ``target`` are made owner-only (0700) where new; the file is
    0600, as ``mkstemp`` makes it. An exception from ``chunks`` (a dropped connection) removes
    the temporary file and propagates.
    """
    private_folders(target.parent, root)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    tmp = Path(tmp_name)
    try:
        hasher = hashlib.sha256()
        size = 0
        with os.fdopen(fd, "wb") as writer:
            for chunk in chunks:
                hasher.update(chunk)
                writer.write(chunk)
                size += len(chunk)
                if progress is not None:
                    progress(len(chunk))
            writer.flush()
            os.fsync(writer.fileno())
        actual = f"sha256:{hasher.hexdigest()}"
        if actual != digest:
            tmp.unlink()
            return Written(size, actual, kept=False)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)
    return Written(size, actual, kept=True)


def stale_temporaries(root: Path, *, older_than: float) -> list[tuple[Path, int]]:
    """The temporary files (``.tmp-*``) under ``root`` unchanged for ``older_than`` seconds, with
    their sizes: what a writer killed mid-blob left (a live one writes to its file all along)."""
    now = time.time()
    found = []
    for path in sorted(Path(root).rglob(".tmp-*")):
        with contextlib.suppress(OSError):  # finished or removed meanwhile
            stat = path.stat()
            if path.is_file() and now - stat.st_mtime >= older_than:
                found.append((path, stat.st_size))
    return found


def file_chunks(path: Path, size: int = CHUNK) -> Iterable[bytes]:
    """The bytes of the file at ``path``, ``size`` at a time."""
    with path.open("rb") as stream:
        while chunk := stream.read(size):
            yield chunk


def sha256_file(path: Path) -> str:
    """The ``sha256:<hex>`` digest of a file's bytes."""
    hasher = hashlib.sha256()
    for chunk in file_chunks(path):
        hasher.update(chunk)
    return f"sha256:{hasher.hexdigest()}"


def private_folders(folder: Path, root: Path) -> None:
    """Make ``folder`` and the folders between it and ``root`` (``root`` included), readable
    by their owner only (0700) where they are new."""
    if folder.is_dir():
        return
    if folder == root or folder.parent == folder:
        folder.parent.mkdir(parents=True, exist_ok=True)  # the home: not the registry's own
    else:
        private_folders(folder.parent, root)
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
        folder.chmod(0o700)  # mkdir's mode is masked by the umask


def fsync_dir(directory: Path) -> None:
    """Make a rename or unlink in ``directory`` durable (where the platform allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
