"""Joining a Ray cluster as a driver: what ``--target ray://HOST:PORT`` means to every command.

``HOST:PORT`` is the cluster's GCS address, the one ``ray start --head`` prints. A command joins
(``ray.init(address="HOST:PORT")``) for as long as it needs the cluster and leaves: deployments
(``ray_target``) and batch jobs on Ray Data (``ray_batch``) join the same way.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from modelport.deploy.plan import Target
from modelport.errors import MissingDependency, Unreachable

__all__ = ["CONNECT_TIMEOUT", "joined"]

CONNECT_TIMEOUT = 10.0
"""Seconds to wait for the cluster's GCS port to accept a connection."""

_HINT = (
    "give the address `ray start --head` printed (its --port), from a machine that reaches "
    "the cluster's nodes"
)


@contextmanager
def joined(target: Target, *, needs: str = "Ray") -> Iterator[Any]:
    """The ``ray`` module, joined to ``target``'s cluster for the block. ``needs`` names what
    the command needs of Ray, for the error when Ray is not installed."""
    try:
        import ray
    except ImportError as exc:
        raise MissingDependency(
            f"--target ray:// needs {needs} ({exc})",
            hint="pip install 'modelport[ray]' (the same Ray version as the cluster's)",
            field="--target",
        ) from None
    _check_reachable(target)
    logging.getLogger("ray").setLevel(logging.WARNING)
    try:
        ray.init(
            address=target.gcs_address,
            logging_level=logging.WARNING,
            log_to_driver=False,
            configure_logging=False,
        )
    except (ConnectionError, TimeoutError, RuntimeError) as exc:
        raise Unreachable(
            f"cannot join the Ray cluster at {target.address}: {exc}",
            hint=_HINT,
            field="--target",
        ) from None
    try:
        yield ray
    finally:
        ray.shutdown()


def _check_reachable(target: Target) -> None:
    """Refuse at once a cluster that does not answer: ``ray.init`` would retry for ever."""
    assert target.host is not None and target.port is not None
    try:
        with socket.create_connection((target.host, target.port), timeout=CONNECT_TIMEOUT):
            pass
    except OSError as exc:
        raise Unreachable(
            f"no Ray cluster answers at {target.address}: {exc.strerror or exc}",
            hint=_HINT,
            field="--target",
        ) from None
