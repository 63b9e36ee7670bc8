"""The content-addressed blob folder: checked, atomic writes and safe deletes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from modelport.errors import InvalidInput, NotFound
from modelport.registry.blobs import LocalBlobStore, sha256_file


def _file(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_put_stores_under_the_digest(tmp_path: Path) -> None:
    blobs = LocalBlobStore(tmp_path / "blobs")
    data = b"x" * 3_000_000  # several copy chunks
    source = _file(tmp_path / "a.zip", data)
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    assert sha256_file(source) == digest

    assert blobs.put(source, digest=digest) == len(data)

    stored = blobs.local_path(digest)
    hexdigest = digest.removeprefix("sha256:")
    assert stored == tmp_path / "blobs" / "sha256" / hexdigest[:2] / hexdigest
    assert stored.read_bytes() == data
    assert blobs.exists(digest)
    assert blobs.put(source, digest=digest) == len(data)  # storing again is a no-op


def test_wrong_digest_leaves_nothing_behind(tmp_path: Path) -> None:
    blobs = LocalBlobStore(tmp_path / "blobs")
    source = _file(tmp_path / "a.zip", b"real content")
    claimed = "sha256:" + "0" * 64

    with pytest.raises(InvalidInput, match="not sha256:0000") as caught:
        blobs.put(source, digest=claimed)

    assert caught.value.field == "digest"
    assert not blobs.exists(claimed)
    assert [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == []


def test_missing_source_is_invalid_input(tmp_path: Path) -> None:
    blobs = LocalBlobStore(tmp_path / "blobs")
    with pytest.raises(InvalidInput, match="does not exist"):
        blobs.put(tmp_path / "nope.zip", digest="sha256:" + "0" * 64)


def test_delete_and_missing_blob(tmp_path: Path) -> None:
    blobs = LocalBlobStore(tmp_path / "blobs")
    source = _file(tmp_path / "a.zip", b"abc")
    digest = sha256_file(source)
    blobs.put(source, digest=digest)

    blobs.delete(digest)
    blobs.delete(digest)  # deleting what is gone is fine

    assert not blobs.exists(digest)
    with pytest.raises(NotFound, match="missing"):
        blobs.local_path(digest)


def test_leftover_temp_file_is_not_a_blob(tmp_path: Path) -> None:
    """A crashed writer's temporary file must never be taken for the blob itself."""
    blobs = LocalBlobStore(tmp_path / "blobs")
    source = _file(tmp_path / "a.zip", b"abc")
    digest = sha256_file(source)
    target = blobs.path_for(digest)
    target.parent.mkdir(parents=True)
    (target.parent / ".tmp-crashed").write_bytes(b"ab")  # what a kill mid-copy leaves

    assert not blobs.exists(digest)
    blobs.put(source, digest=digest)
    assert target.read_bytes() == b"abc"
