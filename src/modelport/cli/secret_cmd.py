"""``modelport secret``: set, list and unset the secrets served models read (values are never
printed; they live in the modelport home, per workspace, outside every artifact)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from modelport.cli.context import STATE
from modelport.cli.options import JsonFlag, command, deprecated, group
from modelport.cli.output import console, print_json
from modelport.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from modelport.secrets import SecretStore

secret_app = group("Secrets for served models (Truss `secrets:`), kept per workspace.")

Workspace = Annotated[
    str | None,
    typer.Option("--workspace", "-w", help="Workspace (default: $MODELPORT_WORKSPACE or default)."),
]


def _workspace(workspace: str | None) -> str:
    return workspace or STATE.settings.workspace


def _store(workspace: str | None) -> SecretStore:
    from modelport.secrets import SecretStore

    return SecretStore(STATE.settings.home, _workspace(workspace))


@command(secret_app, "set")
def set_secret(
    name: Annotated[str, typer.Argument(help="The secret's name, as declared in config.yaml.")],
    value: Annotated[
        str | None,
        typer.Option("--value", help="The value (default: read from standard input)."),
    ] = None,
    workspace: Workspace = None,
    as_json: JsonFlag = False,
) -> None:
    """Store a secret's value (read from standard input unless --value is given)."""
    from modelport.secrets import check_name

    check_name(name)
    if value is None:
        value = (
            typer.prompt(f"value of {name}", hide_input=True)
            if sys.stdin.isatty()
            else sys.stdin.read().rstrip("\n")
        )
    if not value:
        raise InvalidInput(f"no value given for secret {name!r}", hint="pipe it in or use --value")
    _store(workspace).set(name, value)
    if as_json:
        print_json({"secret": name, "workspace": _workspace(workspace), "set": True})
        return
    console.print(Text(f"secret {name} set"))


@command(secret_app, "list")
def list_secrets(
    workspace: Workspace = None,
    as_json: JsonFlag = False,
) -> None:
    """The names of the stored secrets (never their values)."""
    names = _store(workspace).names()
    if as_json:
        print_json(names)
        return
    for name in names:
        console.print(Text(name))


@command(secret_app, "rm")
def rm_secret(
    name: Annotated[str, typer.Argument(help="The secret's name.")],
    workspace: Workspace = None,
    as_json: JsonFlag = False,
) -> None:
    """Forget a stored secret."""
    if not _store(workspace).unset(name):
        raise NotFound(f"secret {name!r} is not set", hint="`modelport secret list` shows them")
    if as_json:
        print_json({"secret": name, "workspace": _workspace(workspace), "removed": True})
        return
    console.print(Text(f"secret {name} removed"))


deprecated(secret_app, "unset", rm_secret, instead="modelport secret rm")


def register(app: typer.Typer) -> None:
    app.add_typer(secret_app, name="secret")
