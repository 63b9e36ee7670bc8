"""Digests of artifacts and their files: ``sha256:<hex>``, read in chunks of bounded size."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import BinaryIO

CHUNK_BYTES = 1024**2
"""How much of a file is read (and held) at a time."""


def file_digest(path: Path) -> str:
    """The ``sha256:<hex>`` digest of a file's bytes."""
    with open(path, "rb") as handle:
        return "sha256:" + hash_stream(handle).hex()


def hash_stream(handle: BinaryIO) -> bytes:
    """The sha256 of everything left in ``handle``."""
    digest = hashlib.sha256()
    while chunk := handle.read(CHUNK_BYTES):
        digest.update(chunk)
    return digest.digest()
