"""The bounds on what clients may hold of a server: connections, requests in flight and the
time a request may take to arrive. Only values here; ``serving.connections`` holds uvicorn's
connections to them, ``serving.admission`` the requests."""

from __future__ import annotations

from dataclasses import dataclass, replace

DEFAULT_MAX_CONNECTIONS = 1000
DEFAULT_MAX_IN_FLIGHT = 256
DEFAULT_HEADER_TIMEOUT = 10.0
DEFAULT_BODY_TIMEOUT = 60.0
DEFAULT_KEEP_ALIVE_TIMEOUT = 5.0
PROBES = frozenset({"/v2/health/live", "/v2/health/ready", "/healthcheck"})
"""The liveness and readiness routes: answered without a token, for any Host, however busy
the server is (an orchestrator's probes carry no token and name the pod's address)."""
RETRY_AFTER_SECONDS = 1
"""What a 503 for a full server tells the client to wait (``Retry-After``)."""
BODY_ARRIVED = "modelport.body_arrived"
"""Set (True) in the scope of a request whose whole body had arrived when its app started: it
needs no body deadline (``serving.connections`` sets it; ``serving.admission`` reads it)."""


@dataclass(frozen=True)
class ConnectionLimits:
    """How much of a server its clients may hold at once, and for how long."""

    max_connections: int = DEFAULT_MAX_CONNECTIONS
    """Connections held at once; one more closes the one idle the longest (503 when all are
    busy)."""
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT
    """Requests being answered at once (health probes and /metrics aside); 503 above."""
    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    """Seconds a connection has to send a request's headers, from opening or from its last
    answer; closed after."""
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    """Seconds a request's body has to arrive, from its headers; 408 after."""
    keep_alive_timeout: float = DEFAULT_KEEP_ALIVE_TIMEOUT
    """Seconds an idle keep-alive connection stays open after an answer."""

    def __post_init__(self) -> None:
        for name in ("max_connections", "max_in_flight"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        for name in ("header_timeout", "body_timeout", "keep_alive_timeout"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")

    def with_max_connections(self, count: int) -> ConnectionLimits:
        return replace(self, max_connections=count)
