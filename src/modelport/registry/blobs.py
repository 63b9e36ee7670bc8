"""Content-addressed storage of artifact zips: one blob per ``sha256`` digest.

:class:`BlobStore` is what the registry stores artifacts in; ``registry/blob_uris.py`` picks
one by URI: this module's :class:`LocalBlobStore` (a folder, the default) or an S3 bucket
(``registry/s3_blobs.py``). Every store checks a blob's digest as it is written and never
shows half of one: the local store writes through ``atomic_files.write_verified`` (a temporary
file renamed into place), S3 through a multipart upload completed only once all of it is there
and its digest checked. A blob is verified again when read: a remote one as it is streamed into
the local cache (``registry/blob_cache.py``), a local one by the artifact reader, which hashes
the zip against the registry's digest before opening it.
"""

from __future__ import annotations

import contextlib
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from modelport.errors import InvalidInput, NotFound
from modelport.registry.atomic_files import (
    file_chunks,
    fsync_dir,
    sha256_file,
    stale_temporaries,
    write_verified,
)
from modelport.registry.refs import validate_digest

__all__ = ["BlobStore", "Leftover", "LocalBlobStore", "sha256_file"]

_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Leftover:
    """Something a write that never finished left in a blob store or cache: ``what`` names it
    (a temporary file, an S3 multipart upload), ``size`` is its bytes (0 where unknown)."""

    what: str
    size: int


class BlobStore(ABC):
    """Where artifact blobs live, addressed by their ``sha256:<hex>`` digest."""

    def collect_leftovers(self, *, older_than: float, dry_run: bool = False) -> list[Leftover]:
        """Remove (unless ``dry_run``) what writes killed before they finished left, untouched
        for ``older_than`` seconds, and say what it was."""
        return []

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
        check_source(source)
        if target.is_file():
            return target.stat().st_size
        written = write_verified(target, file_chunks(source), digest=digest, root=self.root)
        if not written.kept:
            raise changed_since_built(source, written.digest, digest)
        return written.size

    def delete(self, digest: str) -> None:
        path = self.path_for(digest)
        path.unlink(missing_ok=True)
        fsync_dir(path.parent)

    def collect_leftovers(self, *, older_than: float, dry_run: bool = False) -> list[Leftover]:
        return remove_temporaries(self.root, older_than=older_than, dry_run=dry_run)

    def digests(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for path in sorted((self.root / "sha256").glob("??/*")):
            if _HEX.fullmatch(path.name) and path.name.startswith(path.parent.name):
                with contextlib.suppress(OSError):  # removed meanwhile
                    found[f"sha256:{path.name}"] = path.stat().st_size
        return found


def remove_temporaries(root: Path, *, older_than: float, dry_run: bool) -> list[Leftover]:
    """The stale temporary files under ``root``, removed unless ``dry_run``."""
    found = stale_temporaries(root, older_than=older_than)
    if not dry_run:
        for path, _ in found:
            path.unlink(missing_ok=True)
    return [Leftover(f"unfinished write {path}", size) for path, size in found]


def check_source(source: Path) -> None:
    """Refuse to store what is not a file (InvalidInput naming it)."""
    if not source.is_file():
        raise InvalidInput(
            f"artifact {source} does not exist or is not a file",
            hint="Pass the path of a built artifact zip.",
            field="artifact",
        )


def changed_since_built(source: Path, actual: str, digest: str) -> InvalidInput:
    """The error for an artifact whose bytes are not those its digest was taken from."""
    return InvalidInput(
        f"artifact {source} has digest {actual}, not {digest} as given",
        hint="The file changed after it was built; build it again.",
        field="digest",
    )
