"""Wallaroo's model-registry API under ``/v1/api/models/``: MLflow registries connected to
workspaces, their models and artifacts, and uploads from them.

Every route is a ``POST`` with a JSON body, answering as Wallaroo's documentation shows. Both
spellings that documentation uses are read (``workspace_id`` or ``workspace-id``; ``id`` or
``registry_id``). Workspaces are named as modelport names them (a number is read as its text).
Each request is authorised for the workspace it names, or for one of the workspaces the registry
is attached to (so a registry of another workspace is as unknown as a missing one); a token
never leaves in clear. Errors are problem details (``serving/problems.py``).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from modelport.connections.answers import registry_json
from modelport.connections.browse import list_models, list_version_artifacts
from modelport.connections.store import RegistryConnection, RegistryConnections
from modelport.connections.upload import Conversion, upload_from_registry
from modelport.errors import InvalidInput, MalformedInput, ModelportError, NotFound
from modelport.registry.sql.store import SqlRegistryStore
from modelport.registry.store import RegistryStore
from modelport.serving.problems import answering, problem_json
from modelport.settings import Settings

PREFIX = "/v1/api/models"
MAX_BODY = 1 << 20
"""A registry request is a few hundred bytes; schemas make an upload larger, never a megabyte."""

Authorize = Callable[[Request, str, str], object]
"""``authorize(request, workspace, needed)`` (needed: viewer, editor or owner); raises a
modelport error when the request may not."""
Handler = Callable[[Request, dict[str, Any]], Awaitable[Any]]


def wallaroo_registry_routes(
    *,
    authorize: Authorize,
    open_connections: Callable[[], RegistryConnections],
    open_store: Callable[[], RegistryStore],
    settings: Settings,
) -> list[BaseRoute]:
    """The routes; ``open_connections`` and ``open_store`` give a store per request (closed
    after it), ``settings`` the home and bounds the uploads build with."""

    def connection_for(
        request: Request, connections: RegistryConnections, registry_id: str, needed: str
    ) -> RegistryConnection:
        """The connection, when the caller has ``needed`` in one of its workspaces."""
        connection = connections.get(connection_id=registry_id)
        for workspace in connection.workspaces:
            try:
                authorize(request, workspace, needed)
            except ModelportError:
                continue
            return connection
        raise NotFound(f"no registry {registry_id}", field="registry_id")

    async def workspace_of(body: dict[str, Any]) -> str:
        """The workspace's name. Wallaroo names a workspace by its number (``1``, or ``"1"`` as
        ``workspace-id``): digits are the number the registry keeps it under, else (no workspace
        has that number) its name; any other text is its name."""
        given = _workspace(body)
        if not given.isdigit():
            return given

        def find() -> str:
            with open_store() as store:
                workspaces = store.list_workspaces()
            for workspace in workspaces:
                if workspace.id == int(given):
                    return workspace.name
            if any(workspace.name == given for workspace in workspaces):
                return given
            raise NotFound(
                f"no workspace numbered {given}",
                field="workspace_id",
                hint="`modelport workspaces list` shows each workspace's id",
            )

        return await run_in_threadpool(find)

    async def create_registry(request: Request, body: dict[str, Any]) -> Any:
        workspace = await workspace_of(body)
        authorize(request, workspace, "editor")

        def create() -> RegistryConnection:
            with open_connections() as connections:
                return connections.create(
                    name=_text(body, "name"),
                    url=_text(body, "url"),
                    token=_optional_text(body, "token"),
                    workspace=workspace,
                )

        connection = await run_in_threadpool(create)
        return {"id": connection.id, "workspace_id": body_workspace(body)}

    def membership(attach: bool) -> Handler:
        async def change(request: Request, body: dict[str, Any]) -> Any:
            workspace, registry_id = await workspace_of(body), _registry_id(body)
            authorize(request, workspace, "editor")

            def run() -> None:
                with open_connections() as connections:
                    connection_for(request, connections, registry_id, "editor")
                    if attach:
                        connections.attach(connection_id=registry_id, workspace=workspace)
                    else:
                        connections.detach(connection_id=registry_id, workspace=workspace)

            await run_in_threadpool(run)
            return {"registry_id": registry_id, "workspace_id": body_workspace(body)}

        return change

    async def get_registry(request: Request, body: dict[str, Any]) -> Any:
        registry_id = _registry_id(body)

        def get() -> RegistryConnection:
            with open_connections() as connections:
                return connection_for(request, connections, registry_id, "viewer")

        return registry_json(await run_in_threadpool(get))

    async def list_registries(request: Request, body: dict[str, Any]) -> Any:
        workspace = await workspace_of(body)
        authorize(request, workspace, "viewer")

        def listed() -> list[RegistryConnection]:
            with open_connections() as connections:
                return connections.list(workspace=workspace)

        return [registry_json(c) for c in await run_in_threadpool(listed)]

    async def list_registry_models(request: Request, body: dict[str, Any]) -> Any:
        registry_id = _registry_id(body)
        page_token = _optional_text(body, "page_token") or _optional_text(body, "next_page_token")
        max_results = body.get("max_results", 100)
        if not isinstance(max_results, int) or isinstance(max_results, bool):
            raise InvalidInput("max_results must be a number", field="max_results")

        def listed() -> dict[str, Any]:
            with open_connections() as connections:
                connection_for(request, connections, registry_id, "viewer")
                return list_models(
                    connections, registry_id, page_token=page_token, max_results=max_results
                )

        return await run_in_threadpool(listed)

    async def list_artifacts(request: Request, body: dict[str, Any]) -> Any:
        registry_id = _registry_id(body)
        name, version = _text(body, "name"), _version(body)

        def listed() -> list[dict[str, Any]]:
            with open_connections() as connections:
                connection_for(request, connections, registry_id, "viewer")
                return list_version_artifacts(connections, registry_id, name=name, version=version)

        return await run_in_threadpool(listed)

    async def upload(request: Request, body: dict[str, Any]) -> Any:
        workspace, registry_id = await workspace_of(body), _registry_id(body)
        authorize(request, workspace, "editor")
        conversion = _conversion(body)

        def run() -> dict[str, Any]:
            with open_connections() as connections, open_store() as store:
                version = upload_from_registry(
                    connections=connections,
                    store=store,
                    settings=settings,
                    registry_id=registry_id,
                    source=_text(body, "path"),
                    name=_text(body, "name"),
                    conversion=conversion,
                    workspace=workspace,
                )
                model_id: int | str = version.ref
                if isinstance(store, SqlRegistryStore):  # as the server's own database is
                    model_id = store.version_id(
                        name=version.model, number=version.number, workspace=version.workspace
                    )
            return {"model_id": model_id, "name": version.model, "version": version.number}

        return await run_in_threadpool(run)

    handlers: dict[str, Handler] = {
        "create_registry": create_registry,
        "attach_registry_to_workspace": membership(attach=True),
        "remove_registry_from_workspace": membership(attach=False),
        "get_registry": get_registry,
        "list_registries": list_registries,
        "list_registry_models": list_registry_models,
        "list_registry_model_version_artifacts": list_artifacts,
        "upload_from_registry": upload,
    }
    return [
        Route(f"{PREFIX}/{name}", answering(problem_json, _json_route(handler)), methods=["POST"])
        for name, handler in handlers.items()
    ]


def _json_route(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return JSONResponse(await handler(request, await _body(request)))

    endpoint.__name__ = getattr(handler, "__name__", "endpoint")
    return endpoint


async def _body(request: Request) -> dict[str, Any]:
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            raise InvalidInput(f"the request body is over {MAX_BODY:,} bytes", field="body")
    try:
        body = json.loads(bytes(raw) or b"{}")
    except ValueError as exc:
        raise MalformedInput(f"the request body is not JSON ({exc})", field="body") from None
    if not isinstance(body, dict):
        raise MalformedInput("the request body must be a JSON object", field="body")
    return body


def body_workspace(body: dict[str, Any]) -> Any:
    """The workspace id as the request gave it (answers echo it back unchanged)."""
    return body.get("workspace_id", body.get("workspace-id"))


def _workspace(body: dict[str, Any]) -> str:
    value = body_workspace(body)
    if isinstance(value, bool) or not isinstance(value, int | str) or str(value) == "":
        raise InvalidInput(
            "workspace_id is missing",
            hint="give the workspace's id (workspace_id, or workspace-id)",
            field="workspace_id",
        )
    return str(value)


def _registry_id(body: dict[str, Any]) -> str:
    value = body.get("registry_id", body.get("id"))
    if not isinstance(value, str) or not value:
        raise InvalidInput(
            "registry_id is missing",
            hint="give the id create_registry answered (registry_id, or id)",
            field="registry_id",
        )
    return value


def _version(body: dict[str, Any]) -> str:
    value = body.get("version")
    if isinstance(value, bool) or not isinstance(value, int | str) or str(value) == "":
        raise InvalidInput("version is missing", hint='give it as "2" or 2', field="version")
    return str(value)


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{key} is missing or not a string", field=key, hint=f"give {key}")
    return value


def _optional_text(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{key} must be a string", field=key)
    return value


def _conversion(body: dict[str, Any]) -> Conversion:
    """``conversion`` with its schemas, which the documentation's example puts beside it."""
    conversion = body.get("conversion")
    if not isinstance(conversion, dict):
        raise InvalidInput(
            "conversion is missing",
            hint='give {"framework": "mlflow", "requirements": []} at least',
            field="conversion",
        )
    framework = conversion.get("framework")
    if not isinstance(framework, str) or not framework:
        raise InvalidInput("conversion.framework is missing", field="conversion.framework")
    requirements = conversion.get("requirements") or []
    if not isinstance(requirements, list) or not all(isinstance(r, str) for r in requirements):
        raise InvalidInput(
            "conversion.requirements must be a list of requirement strings",
            field="conversion.requirements",
        )
    schemas = {}
    for side in ("input_schema", "output_schema"):
        value = conversion.get(side, body.get(side))
        if value is not None and not isinstance(value, str):
            raise InvalidInput(f"{side} must be base64 text", field=f"conversion.{side}")
        schemas[side] = value or None
    python_version = conversion.get("python_version")
    return Conversion(
        framework=framework,
        python_version=None if python_version is None else str(python_version),
        requirements=tuple(requirements),
        **schemas,
    )
