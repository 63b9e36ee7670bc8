"""Versions: registering, numbering, blobs, version tags and deleting, on every backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelport.errors import InvalidInput, NotFound
from modelport.registry import RegistryStore
from modelport.registry.blobs import LocalBlobStore, sha256_file
from modelport.settings import Settings
from tests.registry_versions import make_artifact, register

from .conftest import Backend


def test_register_creates_model_and_numbers_versions(store: RegistryStore, tmp_path: Path) -> None:
    first, created = register(store, tmp_path, "one")
    assert created
    assert (first.model, first.number, first.ref) == ("iris", 1, "iris:1")
    assert first.digest.startswith("sha256:")
    assert first.lineage == {"source": "/src/iris", "git_commit": "abc123"}
    assert first.signature == {"inputs": [{"name": "x", "type": "double"}]}
    assert first.build == {"duration_s": 1.5}
    assert first.source_format == "native"
    assert store.get_model(name="iris").description == "Iris classifier"

    second, _ = register(store, tmp_path, "two")
    assert second.number == 2
    assert [v.number for v in store.list_versions(name="iris")] == [1, 2]
    assert store.get_version(name="iris", number=1) == first


def test_stored_blob_is_the_artifact(
    store: RegistryStore, backend: Backend, settings: Settings, tmp_path: Path
) -> None:
    version, _ = register(store, tmp_path, "one")
    path = store.artifact_path(version)
    assert path.read_bytes() == make_artifact(tmp_path, "one").read_bytes()
    assert sha256_file(path) == version.digest
    assert version.size == path.stat().st_size
    # a local store's blob itself; a remote one's download, in the client's cache
    assert path.is_relative_to(settings.blob_cache_dir if backend.remote else settings.blobs_dir)


def test_same_digest_returns_existing_version(store: RegistryStore, tmp_path: Path) -> None:
    first, _ = register(store, tmp_path, "one")
    again, created = register(store, tmp_path, "one")
    assert not created
    assert again == first
    assert len(store.list_versions(name="iris")) == 1


def test_same_artifact_in_two_models_shares_one_blob(
    store: RegistryStore, blobs_dir: Path, tmp_path: Path
) -> None:
    a, _ = register(store, tmp_path, "shared", name="iris")
    b, created = register(store, tmp_path, "shared", name="iris-copy")
    assert created
    assert store.artifact_path(b) == store.artifact_path(a)
    blob = LocalBlobStore(blobs_dir).path_for(a.digest)  # where the backend keeps it

    store.delete_version(name="iris", number=1)
    assert blob.is_file()  # still used by iris-copy:1
    store.delete_version(name="iris-copy", number=1)
    assert not blob.exists()
    with pytest.raises(NotFound):
        store.artifact_path(b)


def test_wrong_digest_registers_nothing(store: RegistryStore, tmp_path: Path) -> None:
    artifact = make_artifact(tmp_path, "one")
    with pytest.raises(InvalidInput, match="digest"):
        store.register_version(
            name="iris",
            artifact=artifact,
            digest="sha256:" + "0" * 64,
            signature={},
            metadata={},
            lineage={},
            build={},
            source_format="native",
        )
    assert store.list_models() == []


def test_unknown_version_hint(store: RegistryStore, tmp_path: Path) -> None:
    register(store, tmp_path, "one")
    with pytest.raises(NotFound) as caught:
        store.get_version(name="iris", number=5)
    assert str(caught.value) == (
        "model 'iris' has no version 5. Run `modelport versions iris` to list its versions."
    )
    with pytest.raises(InvalidInput):
        store.get_version(name="iris", number=0)


def test_version_tags(store: RegistryStore, tmp_path: Path) -> None:
    register(store, tmp_path, "one")
    tagged = store.set_version_tag(name="iris", number=1, key="validated", value="yes")
    assert tagged.tags == {"validated": "yes"}
    assert store.get_version(name="iris", number=1).tags == {"validated": "yes"}
    assert store.delete_version_tag(name="iris", number=1, key="validated").tags == {}
    with pytest.raises(NotFound, match="version iris:1 has no tag 'validated'"):
        store.delete_version_tag(name="iris", number=1, key="validated")


def test_numbers_are_never_reused(store: RegistryStore, tmp_path: Path) -> None:
    register(store, tmp_path, "one")
    register(store, tmp_path, "two")
    store.delete_version(name="iris", number=2)
    assert register(store, tmp_path, "three")[0].number == 3
    store.delete_version(name="iris", number=1)
    assert [v.number for v in store.list_versions(name="iris")] == [3]


def test_orphan_blobs_are_collected_and_used_ones_kept(
    store: RegistryStore, blobs_dir: Path, tmp_path: Path
) -> None:
    """A blob stored by a registration killed before its row is an orphan; nothing else is."""
    kept, _ = register(store, tmp_path, "kept")
    orphan = make_artifact(tmp_path, "orphan")
    digest = sha256_file(orphan)
    LocalBlobStore(blobs_dir).put(orphan, digest=digest)

    assert store.collect_orphan_blobs(dry_run=True) == {digest: orphan.stat().st_size}
    assert store.collect_orphan_blobs() == {digest: orphan.stat().st_size}
    assert store.collect_orphan_blobs() == {}
    assert store.artifact_path(kept).is_file()
    with pytest.raises(NotFound):
        store.delete_version(name="iris", number=9)
    with pytest.raises(NotFound):
        store.update_model(name="nope", description="x")
