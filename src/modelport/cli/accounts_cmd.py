"""``modelport users``, ``tokens`` and ``workspaces``: who may use a ``modelport server``, run by
an admin directly on the registry's database (``--registry``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from modelport.cli.context import STATE
from modelport.cli.options import JsonFlag, command, group
from modelport.cli.output import console, print_json, print_table

if TYPE_CHECKING:
    from modelport.registry.sql.accounts import AccountStore

users_app = group("Users of a modelport server (run on the registry's database).")
tokens_app = group("API tokens of users: created, listed, revoked.")
workspaces_app = group("Workspaces and their members' roles (viewer, editor, owner).")
members_app = group("The members of a workspace and their roles.")
workspaces_app.add_typer(members_app, name="members")

User = Annotated[str, typer.Argument(help="A user name.")]
WorkspaceName = Annotated[str, typer.Argument(help="A workspace name.")]


def _accounts() -> AccountStore:
    from modelport.registry.sql.accounts import AccountStore
    from modelport.registry.sql.database import Database

    return AccountStore(Database.open(STATE.resolved_registry_uri))


@command(users_app, "add")
def add_user(
    name: User,
    admin: Annotated[
        bool, typer.Option("--admin", help="May create workspaces and collect orphan blobs.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Add a user (then give them a token with `modelport tokens create --user NAME`)."""
    made = _accounts().add_user(name=name, admin=admin)
    if as_json:
        print_json(made)
        return
    console.print(Text(f"user {made.name} added" + (" (admin)" if made.admin else "")))


@command(users_app, "list")
def list_users(as_json: JsonFlag = False) -> None:
    """Every user."""
    found = _accounts().list_users()
    if as_json:
        print_json(found)
        return
    rows = [(u.name, u.admin, u.created_at) for u in found]
    print_table(None, ["user", "admin", "created"], rows)


@command(users_app, "rm")
def rm_user(name: User, as_json: JsonFlag = False) -> None:
    """Remove a user, their tokens and their memberships."""
    _accounts().delete_user(name=name)
    if as_json:
        print_json({"removed": {"user": name}})
        return
    console.print(Text(f"user {name} removed"))


@command(tokens_app, "create")
def create_token(
    user: Annotated[str, typer.Option("--user", help="Whose token it is.")],
    label: Annotated[
        str | None, typer.Option("--label", help="What it is for (e.g. laptop, ci).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create an API token for a user and print it: this once, it is stored only as a hash."""
    made = _accounts().create_token(user=user, label=label)
    if as_json:
        print_json({"token": made.token, **{"id": made.info.id, "user": user, "label": label}})
        return
    console.print(Text(made.token))
    typer.echo(
        f"token {made.info.id} for {user}: shown this once; send it as "
        "`Authorization: Bearer ...` or set MODELPORT_TOKEN",
        err=True,
    )


@command(tokens_app, "list")
def list_tokens(
    user: Annotated[str | None, typer.Option("--user", help="Only this user's tokens.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Tokens by id, user and label (never their values)."""
    found = _accounts().list_tokens(user=user)
    if as_json:
        print_json(found)
        return
    rows = [(t.id, t.user, t.label, t.created_at) for t in found]
    print_table(None, ["id", "user", "label", "created"], rows)


@command(tokens_app, "rm")
def rm_token(
    token_id: Annotated[str, typer.Argument(help="The token's id (`modelport tokens list`).")],
    as_json: JsonFlag = False,
) -> None:
    """Revoke a token: requests sending it are refused from now on."""
    _accounts().delete_token(token_id=token_id)
    if as_json:
        print_json({"removed": {"token": token_id}})
        return
    console.print(Text(f"token {token_id} revoked"))


@command(workspaces_app, "add")
def add_workspace(
    name: WorkspaceName,
    owner: Annotated[str | None, typer.Option("--owner", help="A user to make its owner.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create a workspace (models, secrets and members belong to one)."""
    made = STATE.store.create_workspace(name=name)
    if owner is not None:
        _accounts().set_member(workspace=name, user=owner, role="owner")
    if as_json:
        print_json({"workspace": made, "owner": owner})
        return
    console.print(Text(f"workspace {name} created" + (f", owned by {owner}" if owner else "")))


@command(workspaces_app, "list")
def list_workspaces(as_json: JsonFlag = False) -> None:
    """Every workspace."""
    found = STATE.store.list_workspaces()
    if as_json:
        print_json(found)
        return
    print_table(None, ["workspace", "id", "created"], [(w.name, w.id, w.created_at) for w in found])


@command(members_app, "add")
def add_member(
    workspace: WorkspaceName,
    user: User,
    role: Annotated[str, typer.Option("--role", help="viewer, editor or owner.")] = "viewer",
    as_json: JsonFlag = False,
) -> None:
    """Give USER a ROLE in WORKSPACE (changing it if they have one)."""
    made = _accounts().set_member(workspace=workspace, user=user, role=role)
    if as_json:
        print_json(made)
        return
    console.print(Text(f"{user} is a {made.role} of {workspace}"))


@command(members_app, "rm")
def rm_member(workspace: WorkspaceName, user: User, as_json: JsonFlag = False) -> None:
    """Remove USER from WORKSPACE."""
    _accounts().remove_member(workspace=workspace, user=user)
    if as_json:
        print_json({"removed": {"workspace": workspace, "user": user}})
        return
    console.print(Text(f"{user} removed from {workspace}"))


@command(members_app, "list")
def list_members(workspace: WorkspaceName, as_json: JsonFlag = False) -> None:
    """The members of WORKSPACE and their roles."""
    found = _accounts().list_members(workspace=workspace)
    if as_json:
        print_json(found)
        return
    print_table(None, ["user", "role"], [(m.user, m.role) for m in found])


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
    app.add_typer(workspaces_app, name="workspaces")
