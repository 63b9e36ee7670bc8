"""``modelport registries``: external MLflow registries connected to workspaces (Wallaroo's
model registries): create, attach, detach, show, list, models, artifacts, upload. Tokens are
stored encrypted and never printed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from modelport.cli.context import STATE
from modelport.cli.options import JsonFlag, command, group
from modelport.cli.output import console, print_json

if TYPE_CHECKING:
    from modelport.connections.store import RegistryConnection, RegistryConnections

registries_app = group("External MLflow registries connected to workspaces, and their models.")

Workspace = Annotated[
    str | None,
    typer.Option("--workspace", "-w", help="Workspace (default: $MODELPORT_WORKSPACE or default)."),
]
RegistryId = Annotated[str, typer.Argument(help="The registry's id (as `create` printed it).")]


def _workspace(workspace: str | None) -> str:
    return workspace or STATE.settings.workspace


def _connections() -> RegistryConnections:
    from modelport.connections.store import RegistryConnections

    return RegistryConnections.open(STATE.resolved_registry_uri, settings=STATE.settings)


def _print(connection: RegistryConnection, as_json: bool) -> None:
    from modelport.connections.answers import registry_json

    if as_json:
        print_json({**registry_json(connection), "workspaces": list(connection.workspaces)})
        return
    token = connection.token or "(none)"
    console.print(Text(f"{connection.id}  {connection.name}  {connection.url}  token {token}"))
    console.print(Text(f"  workspaces: {', '.join(connection.workspaces) or '(none)'}"))


@command(registries_app, "create")
def create(
    name: Annotated[str, typer.Argument(help="A name for the connection (need not be unique).")],
    url: Annotated[str, typer.Option("--url", help="The MLflow tracking server's URL.")],
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="MODELPORT_REGISTRY_TOKEN",
            help="Its token (Bearer), or user:password for MLflow's basic-auth app; "
            "default $MODELPORT_REGISTRY_TOKEN, none for an open server.",
        ),
    ] = None,
    workspace: Workspace = None,
    as_json: JsonFlag = False,
) -> None:
    """Connect an MLflow registry to a workspace (the token is stored encrypted)."""
    with _connections() as connections:
        connection = connections.create(
            name=name, url=url, token=token, workspace=_workspace(workspace)
        )
    _print(connection, as_json)


@command(registries_app, "attach")
def attach(registry_id: RegistryId, workspace: Workspace = None, as_json: JsonFlag = False) -> None:
    """Make a registry usable in another workspace too."""
    with _connections() as connections:
        _print(
            connections.attach(connection_id=registry_id, workspace=_workspace(workspace)), as_json
        )


@command(registries_app, "detach")
def detach(registry_id: RegistryId, workspace: Workspace = None, as_json: JsonFlag = False) -> None:
    """Remove a registry from a workspace (the connection itself stays)."""
    with _connections() as connections:
        _print(
            connections.detach(connection_id=registry_id, workspace=_workspace(workspace)), as_json
        )


@command(registries_app, "show")
def show(registry_id: RegistryId, as_json: JsonFlag = False) -> None:
    """One registry connection, its token masked."""
    with _connections() as connections:
        _print(connections.get(connection_id=registry_id), as_json)


@command(registries_app, "list")
def list_registries(workspace: Workspace = None, as_json: JsonFlag = False) -> None:
    """The registries attached to a workspace."""
    from modelport.connections.answers import registry_json

    with _connections() as connections:
        found = connections.list(workspace=_workspace(workspace))
    if as_json:
        print_json([registry_json(c) for c in found])
        return
    for connection in found:
        console.print(Text(f"{connection.id}  {connection.name}  {connection.url}"))


@command(registries_app, "models")
def models(
    registry_id: RegistryId,
    page_token: Annotated[
        str | None, typer.Option("--page-token", help="The next page, as the last one gave it.")
    ] = None,
    max_results: Annotated[int, typer.Option("--max-results", help="Models per page.")] = 100,
    as_json: JsonFlag = False,
) -> None:
    """The registry's models and their latest versions (source, run id, stage)."""
    from modelport.connections.browse import list_models

    with _connections() as connections:
        page = list_models(connections, registry_id, page_token=page_token, max_results=max_results)
    if as_json:
        print_json(page)
        return
    for model in page["registered_models"]:
        console.print(Text(str(model["name"])))
        for version in model["latest_versions"] or []:
            line = f"  {version['version']}  {version['current_stage']}  run {version['run_id']}"
            console.print(Text(f"{line}  {version['source']}"))
    if page["next_page_token"]:
        console.print(Text(f"Next page: --page-token {page['next_page_token']}"))


@command(registries_app, "artifacts")
def artifacts(
    registry_id: RegistryId,
    name: Annotated[str, typer.Argument(help="The model's name in the registry.")],
    version: Annotated[str, typer.Argument(help="Its version number.")],
    as_json: JsonFlag = False,
) -> None:
    """The files of one model version."""
    from modelport.connections.browse import list_version_artifacts

    with _connections() as connections:
        files = list_version_artifacts(connections, registry_id, name=name, version=version)
    if as_json:
        print_json(files)
        return
    for file in files:
        size = "dir" if file["is_dir"] else f"{file['file_size']:,} bytes"
        console.print(Text(f"{file['path']}  ({size})"))


@command(registries_app, "upload")
def upload(
    registry_id: RegistryId,
    source: Annotated[
        str,
        typer.Argument(
            help="The version's source as `models` lists it (models:/m-...), or "
            "models:/NAME/VERSION."
        ),
    ],
    name: Annotated[str, typer.Option("--name", "-n", help="Its name in modelport (DNS label).")],
    framework: Annotated[
        str,
        typer.Option(
            "--framework", help="mlflow, or a flavor the model was logged with (sklearn...)."
        ),
    ] = "mlflow",
    requirement: Annotated[
        list[str] | None,
        typer.Option("--requirement", help="A requirement added to the model's (repeatable)."),
    ] = None,
    input_schema: Annotated[
        str | None, typer.Option("--input-schema", help="Arrow schema, base64 of serialize().")
    ] = None,
    output_schema: Annotated[
        str | None, typer.Option("--output-schema", help="Arrow schema, base64 of serialize().")
    ] = None,
    workspace: Workspace = None,
    as_json: JsonFlag = False,
) -> None:
    """Download a model version from the registry, build it and register it here."""
    from rich.console import Console

    from modelport.cli.output import to_jsonable
    from modelport.cli.progress import RichProgress
    from modelport.connections.upload import Conversion, upload_from_registry

    conversion = Conversion(
        framework=framework,
        requirements=tuple(requirement or ()),
        input_schema=input_schema,
        output_schema=output_schema,
    )
    with (
        _connections() as connections,
        RichProgress(Console(quiet=True) if as_json else console) as progress,
    ):
        version = upload_from_registry(
            connections=connections,
            store=STATE.store,
            settings=STATE.settings,
            registry_id=registry_id,
            source=source,
            name=name,
            conversion=conversion,
            workspace=_workspace(workspace),
            progress=progress,
        )
    if as_json:
        print_json(to_jsonable(version))
        return
    console.print(Text(f"Registered {version.ref} ({version.digest})"))
    console.print(Text(f"Serve it: modelport serve {version.ref}"))


def register(app: typer.Typer) -> None:
    app.add_typer(registries_app, name="registries")
