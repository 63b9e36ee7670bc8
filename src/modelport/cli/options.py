"""What the commands share: the command classes every group and command is made with, and the
options several commands take (``--json``, ``--host``, ``--port``, ``--env``), each with one help
text.

Typer shows an option's type beside it in help (``--port <int>``); for a flag, which takes no
value, ``<bool>`` only misleads, so the command classes here show flags bare.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
from typer.core import TyperCommand, TyperGroup, TyperOption

from modelport.cli import command_table
from modelport.cli.command_table import COMMANDS

_F = TypeVar("_F", bound=Callable[..., Any])


def _bare_flags(params: list[Any]) -> list[Any]:
    for param in params:
        if isinstance(param, TyperOption) and param.is_bool_flag and param.metavar is None:
            param.metavar = ""  # help shows the metavar in place of the type: none for a flag
    return params


def _with_usage(error: Exception, ctx: Any) -> None:
    """Give a usage error raised without its command's context (an option missing its value)
    that context, so Typer prints the usage above it as for every other usage error."""
    if getattr(error, "ctx", False) is None:
        error.ctx = ctx  # type: ignore[attr-defined]
        error.cmd = ctx.command  # type: ignore[attr-defined]


class _Helpful:
    """Help that shows flags without a value; usage errors that show the usage."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _bare_flags(list(super().get_params(ctx)))  # type: ignore[misc]

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            parsed: list[str] = super().parse_args(ctx, args)  # type: ignore[misc]
        except Exception as error:  # Typer's usage errors carry a ``ctx``, whichever click
            _with_usage(error, ctx)
            raise
        return parsed


class Command(_Helpful, TyperCommand):
    """A command whose help shows flags without a value, and whose usage errors the usage."""


class Group(_Helpful, TyperGroup):
    """A command group whose help shows flags without a value, and whose usage errors the
    usage."""


class RootGroup(Group):
    """The ``modelport`` command itself: its options that say which registry and blob store to
    use (``--registry``, ``--blobs``) may also follow the command they apply to, as in
    ``modelport build . --blobs s3://bucket/models``.

    Its subcommands come from ``command_table``: a command's module is imported when the command
    runs (or its help is asked for); until then the table's line stands for it in the help."""

    anywhere = ("--registry", "--blobs")

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, options_first(args, self.anywhere))

    def list_commands(self, ctx: Any) -> list[str]:
        return list(dict.fromkeys([*COMMANDS, *super().list_commands(ctx)]))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = super().get_command(ctx, cmd_name)
        listed = COMMANDS.get(cmd_name)
        if found is None and listed is not None:  # listed in help, or completed: not run
            return Command(name=cmd_name, help=listed.help, hidden=listed.hidden)
        return found

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] in COMMANDS:
            self.load(args[0])
        elif args:  # no such command: Typer suggests the closest of those it holds
            self.load_all()
        return super().resolve_command(ctx, args)

    def load(self, name: str) -> None:
        """Import the module of command ``name`` and add the commands it registers."""
        if name not in self.commands:
            for loaded_name, loaded in command_table.load(COMMANDS[name].module).commands.items():
                self.commands.setdefault(loaded_name, loaded)

    def load_all(self) -> None:
        """Add every command (for what looks at them all: the tests of the help texts)."""
        for name in COMMANDS:
            self.load(name)


def options_first(args: list[str], names: tuple[str, ...]) -> list[str]:
    """``args`` with the options ``names`` (``--name VALUE`` or ``--name=VALUE``) moved to the
    front, in their order; nothing after ``--`` moves."""
    front: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest += args[index:]
            break
        if arg.partition("=")[0] in names and ("=" in arg or index + 1 < len(args)):
            taken = 1 if "=" in arg else 2
            front += args[index : index + taken]
            index += taken
            continue
        rest.append(arg)
        index += 1
    return front + rest


def group(help: str, **settings: Any) -> typer.Typer:
    """A group of subcommands (``modelport models ...``)."""
    return typer.Typer(cls=Group, help=help, no_args_is_help=True, **settings)


def command(
    app: typer.Typer, name: str | None = None, *, hidden: bool = False
) -> Callable[[_F], _F]:
    """Register a function as command ``name`` of ``app`` (default: the function's name)."""
    decorate: Callable[[_F], _F] = app.command(name, cls=Command, hidden=hidden)
    return decorate


def deprecated(app: typer.Typer, name: str, function: Callable[..., Any], *, instead: str) -> None:
    """Keep command ``name`` of ``app`` working, hidden from help, for the scripts that still
    call it: it notes on stderr that ``instead`` replaces it, then runs ``function``."""

    @functools.wraps(function)
    def still_works(*args: Any, **kwargs: Any) -> Any:
        sys.stderr.write(f"note: `{name}` is deprecated and will go; use `{instead}`\n")
        return function(*args, **kwargs)

    still_works.__doc__ = f"Deprecated: use `{instead}`."
    command(app, name, hidden=True)(still_works)


JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]

RegistryOption = Annotated[
    str | None,
    typer.Option(
        "--registry",
        help="Registry URI, as the global --registry: sqlite:///..., or http(s)://host:port "
        "for a `modelport server` (token: MODELPORT_TOKEN).",
    ),
]

HostOption = Annotated[
    str,
    typer.Option(
        "--host", help="Address the server listens on (0.0.0.0: every network interface)."
    ),
]
PortOption = Annotated[
    int,
    typer.Option(
        "--port",
        min=0,
        max=65535,
        help="Port the server listens on; one already in use is refused before anything starts.",
    ),
]

ENV_HELP = (
    "How a project folder's environment is made: auto, a uv virtualenv from its dependency "
    "file (cached, reused while the lock is the same); inherit, the current interpreter."
)
EnvOption = Annotated[str, typer.Option("--env", help=ENV_HELP)]
