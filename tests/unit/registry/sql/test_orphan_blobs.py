"""Blobs no version references (a registration killed between its blob and its row) are
collected on request, and only those."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from modelport.registry import RegistryStore, open_store
from modelport.registry.blobs import LocalBlobStore, sha256_file
from modelport.settings import Settings
from tests.registry_versions import make_artifact, register


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RegistryStore]:
    with open_store(
        f"sqlite:///{tmp_path / 'registry.db'}", settings=Settings(home=tmp_path)
    ) as opened:
        yield opened


def test_only_unreferenced_blobs_are_collected(store: RegistryStore, tmp_path: Path) -> None:
    kept, _ = register(store, tmp_path, "kept")
    orphan = make_artifact(tmp_path, "orphan")  # stored, then the registration died
    digest = sha256_file(orphan)
    blobs = LocalBlobStore(tmp_path / "blobs")
    size = blobs.put(orphan, digest=digest)
    (blobs.path_for(digest).parent / ".tmp-partial").write_bytes(b"half")  # not a blob
    assert set(blobs.digests()) == {kept.digest, digest}

    assert store.collect_orphan_blobs(dry_run=True) == {digest: size}
    assert blobs.exists(digest)
    assert store.collect_orphan_blobs() == {digest: size}
    assert not blobs.exists(digest)
    assert store.artifact_path(kept).is_file()
    assert store.collect_orphan_blobs() == {}


def test_a_blob_collected_under_a_registration_is_stored_again(
    store: RegistryStore, tmp_path: Path
) -> None:
    first, _ = register(store, tmp_path, "same", name="iris")
    store.delete_version(name="iris", number=first.number)
    assert store.collect_orphan_blobs() == {}  # delete_version collected it already
    again, created = register(store, tmp_path, "same", name="wine")
    assert created and store.artifact_path(again).is_file()
