"""Fixtures the whole suite shares: the one Ray cluster of the test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.deploy.ray_cluster import RayCluster, ray_cluster


@pytest.fixture(scope="session")
def ray_session_cluster() -> Iterator[RayCluster]:
    """A one-node Ray cluster on loopback, started once for every test that asks for it (a
    head takes about 30 s to start and as long to stop) and ended by ending the process that
    started it (never ``ray stop``, which would stop every cluster on the machine)."""
    pytest.importorskip(
        "ray.serve", reason="ray[serve] is not installed (pip install modelport[ray])"
    )
    with ray_cluster() as cluster:
        yield cluster
