"""Routes that bring their own OpenAPI operations: a convention's routes (``formats/<name>``)
answer in their own words (Truss's ``{"error": ...}``, Odahu's ``{"message": ...}``), which only
they can describe. The server's document lists what such a route gives as it is, in place of what
``document`` would say of the path (``build_openapi``'s ``documented``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from starlette.routing import BaseRoute, Mount, Route

__all__ = [
    "DocumentedRoute",
    "Operation",
    "Paths",
    "documented_paths",
    "json_error",
    "operation",
    "path_parameter",
]

Operation = dict[str, Any]
"""One OpenAPI operation object (summary, parameters, requestBody, responses...)."""
Paths = dict[str, dict[str, Operation]]
"""OpenAPI paths: a path template, then a lower-case method, then its operation."""


class DocumentedRoute(Route):
    """A route with the operations that describe it: by default its own path's, and where a
    path holds models of several conventions (Truss's ``/v1/models/{name}:predict`` is also
    KServe V1's), the concrete paths of its own models (``/v1/models/echo:predict``)."""

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        methods: list[str],
        operation: Operation | None = None,
        paths: Mapping[str, Mapping[str, Operation]] | None = None,
    ) -> None:
        super().__init__(path, endpoint, methods=methods)
        self.paths: Paths = {p: dict(ops) for p, ops in (paths or {}).items()}
        if operation is not None:
            for method in methods:
                self.paths.setdefault(path, {})[method.lower()] = operation


def documented_paths(routes: Iterable[BaseRoute], prefix: str = "") -> Paths:
    """Every operation the documented routes among ``routes`` give, through mounts."""
    found: Paths = {}
    for at, route in _documented(routes, prefix):
        for path, operations in route.paths.items():
            found.setdefault(at + path, {}).update(operations)
    return found


def _documented(routes: Iterable[BaseRoute], prefix: str) -> Iterator[tuple[str, DocumentedRoute]]:
    for route in routes:
        if isinstance(route, DocumentedRoute):
            yield prefix, route
        elif isinstance(route, Mount):
            yield from _documented(route.routes, prefix + route.path)


def json_error(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    """An error response whose body is JSON of ``schema`` (a convention's own error shape)."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def path_parameter(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }


def operation(
    *,
    tag: str,
    summary: str,
    answers: Mapping[str, dict[str, Any]],
    errors: Mapping[int, str],
    error_schema: dict[str, Any],
    parameters: Iterable[dict[str, Any]] = (),
    request: Mapping[str, dict[str, Any]] | None = None,
) -> Operation:
    """An operation of a convention's route: ``request`` and ``answers`` map media types to
    schemas; each of ``errors`` (status -> when) answers JSON of ``error_schema``."""
    found: Operation = {
        "tags": [tag],
        "summary": summary,
        "parameters": list(parameters),
        "responses": {
            "200": {
                "description": "OK.",
                "content": {media: {"schema": schema} for media, schema in answers.items()},
            },
            **{str(s): json_error(errors[s], error_schema) for s in sorted(errors)},
        },
    }
    if request is not None:
        content = {media: {"schema": schema} for media, schema in request.items()}
        found["requestBody"] = {"required": True, "content": content}
    return found
