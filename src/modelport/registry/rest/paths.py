"""Where each entity lives in the registry's REST API, and a search's query parameters: the
paths the REST store asks for (the server's route table, ``server/registry_routes.py``, is
their other side)."""

from __future__ import annotations

from urllib.parse import quote


def part(value: str) -> str:
    """``value`` as one path segment (a name with a '/' cannot reach another route)."""
    return quote(str(value), safe="@:")


def workspace(name: str) -> str:
    return f"/workspaces/{part(name)}"


def model(ws: str, name: str) -> str:
    return f"{workspace(ws)}/models/{part(name)}"


def version(ws: str, name: str, number: int) -> str:
    return f"{model(ws, name)}/versions/{int(number)}"


def search(
    tags: dict[str, str] | None, max_results: int, page_token: str | None
) -> list[tuple[str, str | int]]:
    """A search's query parameters: ``tag=KEY=VALUE`` for each tag, the page size and token
    (the server validates them)."""
    params: list[tuple[str, str | int]] = [("tag", f"{k}={v}") for k, v in (tags or {}).items()]
    params.append(("max_results", max_results))
    if page_token is not None:
        params.append(("page_token", page_token))
    return params
