"""A local, digest-keyed cache of artifacts fetched from elsewhere (a remote registry server):
each is downloaded once, into ``<root>/sha256/<first two hex>/<hex>``.

A download goes to a temporary file beside its place while it is hashed, and is renamed into
place only when its sha256 is the digest asked for; so the cache never holds half a file or the
wrong bytes, and a cached file is trusted as it is.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from modelport.errors import ArtifactError
from modelport.registry.refs import validate_digest

Progress = Callable[[int], None]
"""Told the size of each chunk as it arrives (a progress bar's ``advance``)."""


class BlobCache:
    """Artifacts by digest, fetched on first use."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_for(self, digest: str) -> Path:
        hexdigest = validate_digest(digest).removeprefix("sha256:")
        return self.root / "sha256" / hexdigest[:2] / hexdigest

    def fetch(
        self,
        digest: str,
        open_stream: Callable[[], Iterable[bytes]],
        size: int | None = None,
        progress: Progress | None = None,
    ) -> Path:
        """The cached file of ``digest``, fetched from ``open_stream()`` (an iterable of chunks)
        if it is not cached yet; ArtifactError when what arrives is not ``size`` bytes whose
        sha256 is ``digest``."""
        target = self.path_for(digest)
        if target.is_file():
            return target
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor, name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        scratch = Path(name)
        try:
            hasher = hashlib.sha256()
            received = 0
            with os.fdopen(descriptor, "wb") as out:
                for chunk in open_stream():
                    hasher.update(chunk)
                    out.write(chunk)
                    received += len(chunk)
                    if progress is not None:
                        progress(len(chunk))
                out.flush()
                os.fsync(out.fileno())
            actual = f"sha256:{hasher.hexdigest()}"
            if actual != digest or (size is not None and received != size):
                raise ArtifactError(
                    f"the artifact fetched for {digest} is {received:,} bytes with digest {actual}",
                    hint="it was changed or cut short on its way; try again",
                    field="digest",
                )
            os.replace(scratch, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                scratch.unlink()
        return target
