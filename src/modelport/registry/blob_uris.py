"""Choosing the blob store by URI, as ``registry/uris.py`` chooses the registry.

``blobs_uri`` (``--blobs``, ``MODELPORT_BLOBS_URI``) is a folder, written as a path or a
``file://`` URI (default: ``<home>/blobs``), or ``s3://bucket/prefix``. The S3 store's module
is imported only when an ``s3://`` URI is used, and boto3 only when it first talks to S3.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from modelport.errors import ConfigError
from modelport.registry.blob_cache import BlobCache
from modelport.registry.blobs import BlobStore, LocalBlobStore
from modelport.settings import Settings


def open_blob_store(uri: str | None = None, *, settings: Settings) -> BlobStore:
    """The blob store at ``uri`` (default: the settings' ``blobs_uri``)."""
    uri = uri or settings.resolved_blobs_uri
    scheme = uri.partition("://")[0].lower() if "://" in uri else ""
    if scheme == "s3":
        return _open_s3(uri, settings)
    if scheme == "file":
        parts = urlsplit(uri)
        if parts.netloc not in ("", "localhost"):
            raise _unsupported(uri, f"file://{parts.netloc} names another host")
        return LocalBlobStore(Path(unquote(parts.path)))
    if scheme:
        raise _unsupported(uri, f"the scheme {scheme}:// is not one modelport stores blobs in")
    return LocalBlobStore(Path(uri).expanduser())


def _open_s3(uri: str, settings: Settings) -> BlobStore:
    from modelport.registry.s3_blobs import S3BlobStore

    return S3BlobStore(uri, cache=BlobCache(settings.blob_cache_dir))


def _unsupported(uri: str, why: str) -> ConfigError:
    return ConfigError(
        f"blob store URI {uri!r}: {why}",
        hint="use a folder (a path or file:///path) or s3://bucket/prefix",
        field="blobs_uri",
    )
