"""The S3 API the blob store's tests run against: one moto server per test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .s3_server import S3Server


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    server = S3Server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_env(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """This process's AWS settings point at the server (with its user's key)."""
    for name, value in s3_server.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return s3_server.env


@pytest.fixture
def bucket(s3_server: S3Server) -> str:
    return s3_server.new_bucket()
