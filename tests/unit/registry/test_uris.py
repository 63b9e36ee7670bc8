"""Choosing the store by URI, and the default registry under MODELPORT_HOME."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelport.errors import ConfigError, Unreachable
from modelport.registry import RegistryStore, open_store
from modelport.registry.blobs import sha256_file
from modelport.settings import Settings


def test_default_store_lives_in_modelport_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("MODELPORT_HOME", str(home))
    monkeypatch.delenv("MODELPORT_REGISTRY_URI", raising=False)
    artifact = tmp_path / "a.zip"
    artifact.write_bytes(b"PK fake but real bytes")

    with open_store() as store:
        assert isinstance(store, RegistryStore)
        version, _ = store.register_version(
            name="iris",
            artifact=artifact,
            digest=sha256_file(artifact),
            signature={},
            metadata={},
            lineage={},
            build={},
            source_format="native",
        )
        blob = store.artifact_path(version)

    assert (home / "registry.db").is_file()
    assert blob.is_relative_to(home / "blobs")


def test_relative_sqlite_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with open_store("sqlite:///sub/registry.db", settings=Settings(home=tmp_path)) as store:
        store.create_model(name="iris")
    assert (tmp_path / "sub" / "registry.db").is_file()


@pytest.mark.parametrize(
    ("uri", "scheme"),
    [
        ("ftp://registry.example.com", "ftp"),
        ("mysql+pymysql://db/x", "mysql+pymysql"),
        ("registry.db", "(none)"),
    ],
)
def test_unknown_scheme_is_named(uri: str, scheme: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        open_store(uri, settings=Settings(home=tmp_path))
    assert f"unsupported scheme {scheme!r}" in str(caught.value)
    assert "sqlite://" in str(caught.value)
    assert caught.value.field == "registry_uri"


@pytest.mark.parametrize("uri", ["http://127.0.0.1:9", "https://registry.example.com/prefix/"])
def test_http_uris_open_the_rest_store_with_the_token_setting(
    uri: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from modelport.registry.rest.store import RestRegistryStore

    monkeypatch.setenv("MODELPORT_TOKEN", "mpt_from_the_environment")
    with open_store(uri, settings=Settings(home=tmp_path)) as store:
        assert isinstance(store, RestRegistryStore)
        assert store.url == uri.rstrip("/")
        assert store.cache.root == tmp_path / "cache" / "blobs"  # the one S3 uses too
        assert store._http.headers["authorization"] == "Bearer mpt_from_the_environment"


@pytest.mark.parametrize("uri", ["sqlite://", "sqlite:///:memory:"])
def test_sqlite_needs_a_file(uri: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="names no database file"):
        open_store(uri, settings=Settings(home=tmp_path))


def test_postgres_drivers_other_than_psycopg_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="postgresql\\+psycopg://db/registry") as caught:
        open_store("postgresql+psycopg2://user@db/registry", settings=Settings(home=tmp_path))
    assert caught.value.field == "registry_uri"


def test_postgres_that_does_not_answer_is_unreachable(tmp_path: Path) -> None:
    """Port 1 on loopback refuses at once: the error names the URI setting, not a traceback."""
    with pytest.raises(Unreachable, match="cannot reach the registry database") as caught:
        open_store("postgresql://modelport@127.0.0.1:1/registry", settings=Settings(home=tmp_path))
    assert caught.value.field == "registry_uri"
    assert "PostgreSQL" in str(caught.value)
