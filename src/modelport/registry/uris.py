"""Choosing a registry store by URI: ``open_store`` is how every caller gets one.

``sqlite:///relative/path.db`` and ``sqlite:////absolute/path.db`` open the local store;
``postgresql+psycopg://user@host:5432/db`` (or ``postgresql://...``, the same driver) keeps
the same tables in PostgreSQL, so a team can share them. Either keeps its artifacts in the blob
store the settings' ``blobs_uri`` names (``registry/blob_uris.py``: a folder, by default
``<home>/blobs``, or ``s3://bucket/prefix``). ``http://host:port`` and ``https://...`` open a
remote ``modelport server`` (token: the ``token`` setting; artifacts fetched once into
``Settings.blob_cache_dir``). Another backend is one more opener in ``_OPENERS``; callers do
not change.
"""

from __future__ import annotations

from collections.abc import Callable

from modelport.errors import ConfigError
from modelport.registry.store import RegistryStore
from modelport.settings import Settings, get_settings

Opener = Callable[[str, Settings], RegistryStore]


def open_store(uri: str | None = None, *, settings: Settings | None = None) -> RegistryStore:
    """Open the registry at ``uri`` (default: the settings' registry URI)."""
    settings = settings or get_settings()
    uri = uri or settings.resolved_registry_uri
    scheme = uri.partition("://")[0] if "://" in uri else ""
    opener = _OPENERS.get(scheme.split("+")[0])
    if opener is None:
        known = ", ".join(f"{name}://" for name in sorted(_OPENERS))
        raise ConfigError(
            f"registry URI {uri!r} has an unsupported scheme {scheme or '(none)'!r}",
            hint=f"Use one of: {known} (e.g. sqlite:////home/me/.modelport/registry.db).",
            field="registry_uri",
        )
    return opener(uri, settings)


def _open_sqlite(uri: str, settings: Settings) -> RegistryStore:
    from modelport.registry.blob_uris import open_blob_store
    from modelport.registry.sql.sqlite_uri import sqlite_path
    from modelport.registry.sql.store import SqlRegistryStore

    blobs = open_blob_store(settings=settings)
    return SqlRegistryStore.open_sqlite(sqlite_path(uri), blobs=blobs)


def _open_postgres(uri: str, settings: Settings) -> RegistryStore:
    from modelport.registry.blob_uris import open_blob_store
    from modelport.registry.sql.store import SqlRegistryStore

    return SqlRegistryStore.open(uri, blobs=open_blob_store(settings=settings))


def _open_rest(uri: str, settings: Settings) -> RegistryStore:
    from modelport.registry.blob_cache import BlobCache
    from modelport.registry.rest.store import RestRegistryStore

    cache = BlobCache(settings.blob_cache_dir)
    return RestRegistryStore(uri, token=settings.token, cache=cache)


_OPENERS: dict[str, Opener] = {
    "sqlite": _open_sqlite,
    "postgresql": _open_postgres,
    "http": _open_rest,
    "https": _open_rest,
}
