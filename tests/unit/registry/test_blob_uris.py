"""The blob store is chosen by URI: a folder (path or file://) or s3://bucket/prefix."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelport.errors import ConfigError
from modelport.registry.blob_uris import open_blob_store
from modelport.registry.blobs import LocalBlobStore
from modelport.registry.s3_blobs import S3BlobStore, parse_s3_uri
from modelport.settings import Settings


def test_the_default_is_the_folder_in_the_home(tmp_path: Path) -> None:
    store = open_blob_store(settings=Settings(home=tmp_path))
    assert isinstance(store, LocalBlobStore)
    assert store.root == tmp_path / "blobs"


@pytest.mark.parametrize("written", ["{dir}", "file://{dir}", "file://localhost{dir}"])
def test_a_folder_as_a_path_or_file_uri(tmp_path: Path, written: str) -> None:
    folder = tmp_path / "shared blobs"
    uri = written.format(dir=folder).replace(" ", "%20" if "file:" in written else " ")
    store = open_blob_store(uri, settings=Settings(home=tmp_path))
    assert isinstance(store, LocalBlobStore)
    assert store.root == folder


def test_an_s3_uri_opens_the_s3_store_without_a_round_trip(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, blobs_uri="s3://team-models/prod/")
    store = open_blob_store(settings=settings)
    assert isinstance(store, S3BlobStore)
    assert (store.bucket, store.prefix, store.uri) == (
        "team-models",
        "prod/",
        "s3://team-models/prod",
    )
    assert store.cache.root == tmp_path / "cache" / "blobs"
    assert store.key_for("sha256:" + "ab" * 32) == "prod/sha256/" + "ab" * 32


def test_s3_uris_with_and_without_a_prefix() -> None:
    assert parse_s3_uri("s3://bucket") == ("bucket", "")
    assert parse_s3_uri("s3://bucket/") == ("bucket", "")
    assert parse_s3_uri("s3://bucket/a/b/") == ("bucket", "a/b/")


@pytest.mark.parametrize(
    ("uri", "says"),
    [
        ("s3://", "names no bucket"),
        ("s3:///prefix", "names no bucket"),
        ("gs://bucket", "the scheme gs:// is not one"),
        ("file://otherhost/x", "names another host"),
    ],
)
def test_a_uri_that_names_no_store_is_refused(tmp_path: Path, uri: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says) as caught:
        open_blob_store(uri, settings=Settings(home=tmp_path))
    assert caught.value.field == "blobs_uri"
