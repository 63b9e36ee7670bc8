"""``modelport secret``: set, list and unset the secrets served models read (values are never
printed; they live in the modelport home, per workspace, outside every artifact)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from modelport.cli.context import STATE
from modelport.cli.output import console, print_json
from modelport.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from modelport.secrets import SecretStore

secret_app = typer.Typer(
    help="Secrets for served models (Truss `secrets:`), kept per workspace.", no_args_is_help=True
)

Workspace = Annotated[
    str | None,
    typer.Option("--workspace", "-w", help="Workspace (default: $MODELPORT_WORKSPACE or default)."),
]


def _store(workspace: str | None) -> SecretStore:
    from modelport.secrets import SecretStore

    return SecretStore(STATE.settings.home, workspace or STATE.settings.workspace)


@secret_app.command("set")
def set_secret(
    name: Annotated[str, typer.Argument(help="The secret's name, as declared in config.yaml.")],
    value: Annotated[
        str | None,
        typer.Option("--value", help="The value (default: read from standard input)."),
    ] = None,
    workspace: Workspace = None,
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
    console.print(Text(f"secret {name} set"))


@secret_app.command("list")
def list_secrets(
    workspace: Workspace = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The names of the stored secrets (never their values)."""
    names = _store(workspace).names()
    if as_json:
        print_json(names)
        return
    for name in names:
        console.print(Text(name))


@secret_app.command("unset")
def unset_secret(
    name: Annotated[str, typer.Argument(help="The secret's name.")],
    workspace: Workspace = None,
) -> None:
    """Forget a stored secret."""
    if not _store(workspace).unset(name):
        raise NotFound(f"secret {name!r} is not set", hint="`modelport secret list` shows them")
    console.print(Text(f"secret {name} unset"))


def register(app: typer.Typer) -> None:
    app.add_typer(secret_app, name="secret")
