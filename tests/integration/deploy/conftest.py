"""One Ray cluster for the whole test session: a head takes half a minute to start and as long
to stop on this machine, so every module deploying to Ray shares it (each under a model name
of its own)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .ray_cluster import RayCluster, ray_cluster


@pytest.fixture(scope="session")
def ray_session() -> Iterator[RayCluster]:
    """The session's cluster, started when a test first asks for it, ended at the session's
    end by ending the ``ray start`` it ran (never ``ray stop``)."""
    pytest.importorskip("ray.serve", reason="ray[serve] is not installed (modelport[ray])")
    with ray_cluster() as cluster:
        yield cluster
