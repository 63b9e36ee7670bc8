"""A local, digest-keyed copy of blobs that live elsewhere (S3, a remote registry).

Serving reads a local zip, so a blob from a remote store is streamed down once, in chunks, into
``<home>/cache/blobs/sha256/<first two hex>/<hex>`` and read from there after. A download is
written to a temporary file, hashed on the way and renamed into place only when its digest is
the one asked for (``atomic_files.write_verified``): a blob whose bytes do not match is refused
with :class:`~modelport.errors.ArtifactError` and never reaches the cache, and a download cut
short leaves nothing behind. Two processes fetching the same digest at once each write a
temporary file; the second rename replaces the first with the same bytes.

The cache has one job and knows nothing of where bytes come from: the caller hands
:meth:`BlobCache.fetch` a function that opens the stream. Each use of a cached copy marks it
(its modification time), so ``modelport gc`` can drop copies unused for a while
(:meth:`BlobCache.prune`); a dropped copy is fetched again when next needed.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from modelport.errors import ArtifactError
from modelport.registry.atomic_files import Advance, write_verified
from modelport.registry.blobs import Leftover, remove_temporaries
from modelport.registry.refs import validate_digest

OpenStream = Callable[[], Iterable[bytes]]
"""Opens the blob's bytes as an iterable of chunks (called once per download)."""


class BlobCache:
    """Blobs kept by digest under ``root``; a cached file is whole and was verified."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_for(self, digest: str) -> Path:
        """Where the cached copy of ``digest`` lives (whether or not it is cached)."""
        hexdigest = validate_digest(digest).removeprefix("sha256:")
        return self.root / "sha256" / hexdigest[:2] / hexdigest

    def cached(self, digest: str, *, size: int | None = None) -> Path | None:
        """The cached copy of ``digest``, if there is one (of ``size`` bytes, when given)."""
        path = self.path_for(digest)
        try:
            found = path.stat().st_size
        except OSError:
            return None
        if size is not None and found != size:
            return None
        with contextlib.suppress(OSError):  # marked as used, for prune (a read-only cache: not)
            os.utime(path)
        return path

    def prune(
        self, *, unused_for: float, stale_after: float, dry_run: bool = False
    ) -> list[Leftover]:
        """Remove (unless ``dry_run``) the cached copies not used for ``unused_for`` seconds
        and the temporary files of downloads cut short ``stale_after`` seconds ago or more."""
        now = time.time()
        dropped = []
        for path in sorted((self.root / "sha256").glob("??/*")):
            with contextlib.suppress(OSError):  # removed meanwhile
                stat = path.stat()
                if path.name.startswith(".tmp-") or now - stat.st_mtime < unused_for:
                    continue
                if not dry_run:
                    path.unlink()
                dropped.append(Leftover(f"cached copy of sha256:{path.name}", stat.st_size))
        temporaries = remove_temporaries(self.root, older_than=stale_after, dry_run=dry_run)
        return dropped + temporaries

    def fetch(
        self,
        digest: str,
        open_stream: OpenStream,
        *,
        size: int | None = None,
        progress: Advance | None = None,
        source: str = "the blob store",
    ) -> Path:
        """The local file holding blob ``digest``: the cached copy, else what ``open_stream``
        gives, streamed into the cache and verified (``progress`` told of each chunk).

        ``source`` names where the bytes come from in errors. A stream whose bytes do not hash
        to ``digest`` is refused (``ArtifactError``).
        """
        found = self.cached(digest, size=size)
        if found is not None:
            return found
        target = self.path_for(digest)
        written = write_verified(
            target, open_stream(), digest=digest, root=self.root, progress=progress
        )
        if not written.kept:
            raise ArtifactError(
                f"blob {digest} in {source} does not match its digest: its bytes hash to "
                f"{written.digest}; it was not used",
                hint=f"the copy in {source} is damaged or was changed by hand: delete it there "
                "and register the artifact again",
                field="digest",
            )
        return target
