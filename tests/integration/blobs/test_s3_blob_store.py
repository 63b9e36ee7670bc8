"""The S3 blob store against a real S3 API (moto's server): whole or absent, verified on read,
streamed in parts, and every failure one line naming the store's URI."""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelport.errors import ArtifactError, InvalidInput, NotFound, Unauthorised, Unreachable
from modelport.registry.atomic_files import Advance
from modelport.registry.blob_cache import BlobCache
from modelport.registry.blobs import sha256_file
from modelport.registry.s3_blobs import S3BlobStore
from modelport.registry.sql.database import Database
from modelport.registry.sql.store import SqlRegistryStore
from modelport.registry.transfers import reporting_to

from .s3_server import S3Server

MIB = 1024 * 1024


class Recorder:
    """Records each transfer: its label, total and the bytes told of at each step."""

    def __init__(self) -> None:
        self.transfers: list[tuple[str, int | None, list[int]]] = []

    @contextlib.contextmanager
    def transfer(self, label: str, total: int | None) -> Iterator[Advance]:
        steps: list[int] = []
        self.transfers.append((label, total, steps))
        yield steps.append


def _store(bucket: str, tmp_path: Path, prefix: str = "models", **options: int) -> S3BlobStore:
    return S3BlobStore(f"s3://{bucket}/{prefix}", cache=BlobCache(tmp_path / "cache"), **options)


def _random_file(path: Path, size: int) -> tuple[Path, str]:
    path.write_bytes(os.urandom(size))
    return path, sha256_file(path)


def _visible(server: S3Server, bucket: str) -> list[str]:
    listed = server.client().list_objects_v2(Bucket=bucket)
    return [item["Key"] for item in listed.get("Contents", [])]


def _incomplete_uploads(server: S3Server, bucket: str) -> list[str]:
    listed = server.client().list_multipart_uploads(Bucket=bucket)
    return [upload["UploadId"] for upload in listed.get("Uploads", [])]


def test_a_small_blob_goes_up_whole_and_comes_back_verified_into_the_cache(
    s3_env: dict[str, str], s3_server: S3Server, bucket: str, tmp_path: Path
) -> None:
    store = _store(bucket, tmp_path)
    source, digest = _random_file(tmp_path / "a.zip", 300_000)

    assert not store.exists(digest)
    assert store.put(source, digest=digest) == 300_000
    assert store.exists(digest)
    assert _visible(s3_server, bucket) == [f"models/sha256/{digest[7:]}"]
    assert store.put(source, digest=digest) == 300_000  # content-addressed: already there
    assert store.digests() == {digest: 300_000}

    local = store.local_path(digest)
    assert local == tmp_path / "cache" / "sha256" / digest[7:9] / digest[7:]
    assert local.read_bytes() == source.read_bytes()
    assert oct(local.stat().st_mode & 0o777) == "0o600"
    assert store.local_path(digest) == local  # read from the cache after


def test_a_large_blob_goes_up_in_parts_and_appears_only_when_complete(
    s3_env: dict[str, str], s3_server: S3Server, bucket: str, tmp_path: Path
) -> None:
    store = _store(bucket, tmp_path, part_size=5 * MIB)
    source, digest = _random_file(tmp_path / "big.zip", 12 * MIB + 5)
    seen = Recorder()

    with reporting_to(seen):
        store.put(source, digest=digest)
        local = store.local_path(digest)

    head = s3_server.client().head_object(Bucket=bucket, Key=store.key_for(digest))
    assert head["ContentLength"] == 12 * MIB + 5
    assert head["ETag"].strip('"').endswith("-3")  # S3's mark of a 3-part upload
    assert _incomplete_uploads(s3_server, bucket) == []
    assert hashlib.sha256(local.read_bytes()).hexdigest() == digest[7:]
    short, size, uri = digest[:19], 12 * MIB + 5, f"s3://{bucket}/models"
    assert seen.transfers == [
        (f"uploading {short} to {uri}", size, [5 * MIB, 5 * MIB, 2 * MIB + 5]),  # a part a time
        (f"downloading {short} from {uri}", size, seen.transfers[1][2]),
    ]
    assert sum(seen.transfers[1][2]) == size and max(seen.transfers[1][2]) <= MIB


def test_a_file_that_changed_since_its_digest_was_taken_is_not_stored(
    s3_env: dict[str, str], s3_server: S3Server, bucket: str, tmp_path: Path
) -> None:
    store = _store(bucket, tmp_path, part_size=5 * MIB)
    for size in (1000, 11 * MIB):  # a single put, and a multipart upload given up
        source, _ = _random_file(tmp_path / "a.zip", size)
        claimed = "sha256:" + "ab" * 32
        with pytest.raises(InvalidInput, match="not sha256:abab") as caught:
            store.put(source, digest=claimed)
        assert caught.value.field == "digest"
    assert _visible(s3_server, bucket) == []
    assert _incomplete_uploads(s3_server, bucket) == []


def test_a_blob_whose_bytes_do_not_match_its_digest_is_refused_and_never_cached(
    s3_env: dict[str, str], s3_server: S3Server, bucket: str, tmp_path: Path
) -> None:
    store = _store(bucket, tmp_path)
    source, digest = _random_file(tmp_path / "a.zip", 50_000)
    store.put(source, digest=digest)
    s3_server.client().put_object(Bucket=bucket, Key=store.key_for(digest), Body=b"x" * 50_000)

    with pytest.raises(ArtifactError, match=f"blob {digest} in s3://{bucket}/models does not"):
        store.local_path(digest)

    assert (
        not (tmp_path / "cache").exists()
        or [p for p in (tmp_path / "cache").rglob("*") if p.is_file()] == []
    )


def test_gc_collects_orphans_in_the_bucket_and_keeps_what_versions_use(
    s3_env: dict[str, str], s3_server: S3Server, bucket: str, tmp_path: Path
) -> None:
    blobs = _store(bucket, tmp_path)
    registry = SqlRegistryStore(Database.open_sqlite(tmp_path / "registry.db"), blobs)
    kept, kept_digest = _random_file(tmp_path / "kept.zip", 1000)
    orphan, orphan_digest = _random_file(tmp_path / "orphan.zip", 2000)
    registry.register_version(
        name="iris", artifact=kept, digest=kept_digest, signature={}, metadata={},
        lineage={}, build={}, source_format="native",
    )  # fmt: skip
    blobs.put(orphan, digest=orphan_digest)  # as a build killed before its row leaves it

    assert registry.collect_orphan_blobs(dry_run=True) == {orphan_digest: 2000}
    assert blobs.exists(orphan_digest)
    assert registry.collect_orphan_blobs() == {orphan_digest: 2000}
    assert _visible(s3_server, bucket) == [blobs.key_for(kept_digest)]
    registry.delete_version(name="iris", number=1)
    assert _visible(s3_server, bucket) == []
    registry.close()


def test_a_missing_bucket_is_named(s3_env: dict[str, str], tmp_path: Path) -> None:
    store = _store("no-such-bucket", tmp_path)
    with pytest.raises(NotFound) as caught:
        store.digests()
    message = str(caught.value)
    assert "bucket 'no-such-bucket' of the blob store s3://no-such-bucket/models" in message
    assert "\n" not in message
    assert caught.value.field == "blobs_uri"


def test_refused_credentials_are_named(
    s3_env: dict[str, str], bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    store = _store(bucket, tmp_path)
    source, digest = _random_file(tmp_path / "a.zip", 10)
    with pytest.raises(Unauthorised, match=f"s3://{bucket}/models refused the credentials"):
        store.put(source, digest=digest)


def test_an_endpoint_that_does_not_answer_is_named(
    s3_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    store = _store("models", tmp_path, prefix="")
    with pytest.raises(Unreachable) as caught:
        store.exists("sha256:" + "0" * 64)
    message = str(caught.value)
    assert f"the blob store s3://models did not answer at http://127.0.0.1:{port}" in message
    assert "\n" not in message


def test_a_file_changed_while_it_is_uploaded_is_not_stored(
    s3_env: dict[str, str], s3_server: S3Server, bucket: str, tmp_path: Path
) -> None:
    store = _store(bucket, tmp_path, part_size=5 * MIB)
    source, digest = _random_file(tmp_path / "big.zip", 11 * MIB)

    class ChangeAfterTheFirstPart:
        @contextlib.contextmanager
        def transfer(self, label: str, total: int | None) -> Iterator[Advance]:
            def advance(count: int) -> None:
                with source.open("r+b") as changing:  # same size, other bytes
                    changing.write(b"\0" * 16)

            yield advance

    # what was hashed still matches the digest (the change is in a part already sent): only
    # the file's changed time tells
    with (
        reporting_to(ChangeAfterTheFirstPart()),
        pytest.raises(InvalidInput, match="changed while it was uploaded"),
    ):
        store.put(source, digest=digest)
    assert _visible(s3_server, bucket) == []
    assert _incomplete_uploads(s3_server, bucket) == []
