"""The download cache: fetched once by digest, verified, never half-written."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelport.errors import ArtifactError
from modelport.registry.cache import BlobCache

CONTENT = b"artifact bytes " * 1000
DIGEST = "sha256:" + hashlib.sha256(CONTENT).hexdigest()


def test_an_artifact_is_fetched_once_and_kept_by_digest(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path)
    calls: list[int] = []
    advanced: list[int] = []

    def stream() -> Iterator[bytes]:
        calls.append(1)
        yield CONTENT[:100]
        yield CONTENT[100:]

    path = cache.fetch(DIGEST, stream, len(CONTENT), advanced.append)
    assert path.read_bytes() == CONTENT
    assert path == tmp_path / "sha256" / DIGEST[7:9] / DIGEST[7:]
    assert sum(advanced) == len(CONTENT)
    assert cache.fetch(DIGEST, stream, len(CONTENT)) == path
    assert calls == [1]


@pytest.mark.parametrize("arrived", [CONTENT[:-1], CONTENT + b"x", b"other"])
def test_bytes_that_are_not_the_digest_are_refused_and_not_kept(
    tmp_path: Path, arrived: bytes
) -> None:
    cache = BlobCache(tmp_path)
    with pytest.raises(ArtifactError, match=DIGEST):
        cache.fetch(DIGEST, lambda: [arrived], len(CONTENT))
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_stream_that_breaks_leaves_nothing(tmp_path: Path) -> None:
    def broken() -> Iterator[bytes]:
        yield CONTENT[:10]
        raise ConnectionError("gone")

    with pytest.raises(ConnectionError):
        BlobCache(tmp_path).fetch(DIGEST, broken, len(CONTENT))
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
