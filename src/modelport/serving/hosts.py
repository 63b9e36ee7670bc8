"""Which names a server answers to: the ``Host`` header checked against ``--allowed-hosts``,
and requests that another site's web page sent refused.

A web page can make a browser send requests to a server on the user's own machine: under
another name that resolves to 127.0.0.1 (DNS rebinding), which the Host check refuses, or
directly from the page's own origin, as a "simple" cross-origin POST that needs no CORS
preflight, which carries the page's ``Origin`` and is refused when it is not the server's.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
WILDCARD_ADDRESSES = ("0.0.0.0", "::", "")
ANY_HOST = "*"


def default_allowed_hosts(bound_host: str) -> frozenset[str] | None:
    """The names a server bound to ``bound_host`` answers to when ``--allowed-hosts`` is not
    given: the loopback names and the bound address itself; any name (None) when bound to
    every interface, since its clients may then know it by names it cannot see (a container
    behind a service name), and the server warns about that binding."""
    if bound_host in WILDCARD_ADDRESSES:
        return None
    return frozenset({*LOOPBACK_NAMES, bound_host.lower().strip("[]")})


def parse_allowed_hosts(names: Iterable[str]) -> frozenset[str] | None:
    """``--allowed-hosts`` values (comma-separated lists too): None when one is ``*``."""
    parsed = {name.strip().lower() for value in names for name in value.split(",")}
    parsed.discard("")
    return None if ANY_HOST in parsed else frozenset(parsed)


def host_name(header: str) -> str:
    """``Host`` header's name without its port: ``[::1]:8080`` -> ``::1``."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def host_allowed(header: str | None, allowed: frozenset[str] | None) -> bool:
    """Whether a request naming ``header`` as its Host is one to answer; a name in ``allowed``
    matches itself, and ``*.example.com`` any name under example.com."""
    if allowed is None:
        return True
    if not header:
        return False
    name = host_name(header)
    if name in allowed:
        return True
    return any(
        entry.startswith("*.") and name.endswith(entry[1:]) for entry in allowed if "*" in entry
    )


def cross_site(origin: str | None, host: str | None) -> bool:
    """Whether ``origin`` (a request's ``Origin``, which browsers send on every cross-origin
    POST) is another site than the server's own ``host``: a request no page of ours sent."""
    if origin is None:
        return False  # not from a browser page (curl, clients, probes)
    if origin == "null" or not host:
        return True  # a sandboxed page or a local file
    return urlsplit(origin).netloc.lower() != host.strip().lower()
