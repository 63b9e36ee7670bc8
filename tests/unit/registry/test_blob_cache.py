"""The digest-keyed cache of remote blobs: verified before kept, whole or absent."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelport.errors import ArtifactError
from modelport.registry.blob_cache import BlobCache
from modelport.registry.blobs import LocalBlobStore, sha256_file


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _chunks(data: bytes, size: int = 1000) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_fetch_streams_verifies_and_then_reads_from_the_cache(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path / "cache")
    data = bytes(range(256)) * 40
    opened: list[int] = []
    moved: list[int] = []

    def open_stream() -> Iterator[bytes]:
        opened.append(1)
        return _chunks(data)

    path = cache.fetch(_digest(data), open_stream, size=len(data), progress=moved.append)

    assert path == cache.path_for(_digest(data))
    assert path.read_bytes() == data
    assert sum(moved) == len(data) and len(moved) == 11  # told of every chunk
    assert cache.fetch(_digest(data), open_stream, size=len(data)) == path
    assert opened == [1]  # the second fetch read the cached copy
    assert cache.cached(_digest(data)) == path
    assert cache.cached(_digest(data), size=len(data) + 1) is None  # not the copy listed


def test_bytes_that_do_not_match_the_digest_are_refused_and_not_kept(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path / "cache")
    wanted = _digest(b"the real artifact")

    with pytest.raises(ArtifactError) as caught:
        cache.fetch(wanted, lambda: [b"something else"], source="s3://bucket/models")

    assert f"blob {wanted} in s3://bucket/models does not match its digest" in str(caught.value)
    assert _digest(b"something else") in str(caught.value)
    assert caught.value.field == "digest"
    assert _files(tmp_path / "cache") == []


def test_a_download_cut_short_leaves_nothing(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path / "cache")

    def dropped() -> Iterator[bytes]:
        yield b"half of"
        raise ConnectionResetError("the connection dropped")

    with pytest.raises(ConnectionResetError):
        cache.fetch(_digest(b"half of it"), dropped)
    assert _files(tmp_path / "cache") == []


def test_a_damaged_cached_copy_is_fetched_again(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path / "cache")
    data = b"artifact bytes"
    path = cache.fetch(_digest(data), lambda: [data])
    path.write_bytes(b"trunc")  # changed by hand: the listed size no longer matches

    assert cache.fetch(_digest(data), lambda: [data], size=len(data)).read_bytes() == data


def test_folders_and_files_are_the_owners_only(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path / "cache")
    path = cache.fetch(_digest(b"x"), lambda: [b"x"])
    for made in (tmp_path / "cache", tmp_path / "cache" / "sha256", path.parent):
        assert made.stat().st_mode & 0o777 == 0o700
    assert path.stat().st_mode & 0o777 == 0o600


def _age(path: Path, days: float) -> None:
    then = time.time() - days * 24 * 3600
    os.utime(path, (then, then))


def test_prune_drops_copies_unused_for_the_bound_and_keeps_the_rest(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path / "cache")
    old, used, fresh = b"old" * 100, b"used" * 100, b"fresh" * 100
    for data in (old, used, fresh):
        cache.fetch(_digest(data), lambda data=data: _chunks(data))
    for data in (old, used):
        _age(cache.path_for(_digest(data)), days=40)
    assert cache.cached(_digest(used)) is not None  # a use marks it

    dry = cache.prune(unused_for=30 * 86400, stale_after=3600, dry_run=True)
    assert [(left.what, left.size) for left in dry] == [
        (f"cached copy of {_digest(old)}", len(old))
    ]
    assert cache.cached(_digest(old)) is not None  # a dry run removes nothing
    _age(cache.path_for(_digest(old)), days=40)

    cache.prune(unused_for=30 * 86400, stale_after=3600)
    assert cache.cached(_digest(old)) is None
    assert cache.cached(_digest(used)) is not None and cache.cached(_digest(fresh)) is not None
    cache.prune(unused_for=0, stale_after=3600)  # 0 days: everything
    assert _files(cache.root) == []


def test_prune_removes_downloads_cut_short_once_stale(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path / "cache")
    folder = cache.path_for(_digest(b"x")).parent
    folder.mkdir(parents=True)
    stale, live = folder / ".tmp-killed", folder / ".tmp-writing"
    stale.write_bytes(b"half" * 10)
    live.write_bytes(b"going on")
    _age(stale, days=2)

    dropped = cache.prune(unused_for=30 * 86400, stale_after=24 * 3600)

    assert [(left.what, left.size) for left in dropped] == [(f"unfinished write {stale}", 40)]
    assert not stale.exists() and live.exists()  # a temporary file is never taken for a copy


def test_a_local_store_collects_the_temporary_files_of_killed_writes(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    blob = tmp_path / "blob.zip"
    blob.write_bytes(b"artifact")
    store.put(blob, digest=sha256_file(blob))
    left = store.path_for(sha256_file(blob)).parent / ".tmp-abc"
    left.write_bytes(b"half")
    _age(left, days=2)

    assert [x.what for x in store.collect_leftovers(older_than=3600, dry_run=True)] == [
        f"unfinished write {left}"
    ]
    assert left.exists()
    store.collect_leftovers(older_than=3600)
    assert not left.exists() and store.exists(sha256_file(blob))
