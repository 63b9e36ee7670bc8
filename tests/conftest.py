"""What the whole suite shares: the one Ray cluster of the test session, and USE_TF=0."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.integration.deploy.ray_cluster import RayCluster, ray_cluster

# Before any test module imports transformers: with TensorFlow installed (Keras 3) it would look
# for TensorFlow model classes too and fail; modelport's Hugging Face servable sets the same.
os.environ.setdefault("USE_TF", "0")


@pytest.fixture(scope="session")
def ray_session_cluster() -> Iterator[RayCluster]:
    """A one-node Ray cluster on loopback, started once for every test that asks for it (a
    head takes about 30 s to start) and killed at the end with the session of the process that
    started it (never ``ray stop``, which would stop every cluster on the machine)."""
    pytest.importorskip(
        "ray.serve", reason="ray[serve] is not installed (pip install modelport[ray])"
    )
    with ray_cluster() as cluster:
        yield cluster
