"""The ``modelport`` command: a thin Typer layer over the library.

Every user error is printed as one line (``error: ...``) with a non-zero exit code; ``--debug``
shows the traceback instead.
"""

from __future__ import annotations

import sys
import traceback
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from modelport.cli import (
    build_cmd,
    client_cmd,
    export_cmd,
    frameworks_cmd,
    pipeline_cmd,
    registry_cmd,
    secret_cmd,
    serve_cmd,
)
from modelport.cli.context import STATE
from modelport.errors import ModelportError

app = typer.Typer(
    name="modelport",
    help="Package, test, register and serve machine-learning models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
build_cmd.register(app)
registry_cmd.register(app)
serve_cmd.register(app)
client_cmd.register(app)
export_cmd.register(app)
pipeline_cmd.register(app)
frameworks_cmd.register(app)
secret_cmd.register(app)

_stderr = Console(stderr=True, highlight=False, soft_wrap=True)


@app.callback()
def _options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    registry: Annotated[
        str | None,
        typer.Option(
            "--registry",
            envvar="MODELPORT_REGISTRY_URI",
            help="Registry URI (default: sqlite:///$MODELPORT_HOME/registry.db).",
        ),
    ] = None,
) -> None:
    STATE.debug = debug
    STATE.registry_uri = registry


def run(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    try:
        code = app(args=argv, standalone_mode=False)
    except ModelportError as exc:
        _fail(str(exc), exc, code=1)
    except typer.Abort:
        _stderr.print("aborted")
        sys.exit(130)
    except KeyboardInterrupt:
        _stderr.print("interrupted")
        sys.exit(130)
    except Exception as exc:
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Exit):
            sys.exit(exc.exit_code)
        _fail(f"internal error: {type(exc).__name__}: {exc}", exc, code=70)
    sys.exit(code if isinstance(code, int) else 0)  # click returns typer.Exit's code


def _fail(message: str, exc: BaseException, *, code: int) -> None:
    if STATE.debug:
        traceback.print_exception(exc, file=sys.stderr)
        details = getattr(exc, "details", None)
        if details:
            sys.stderr.write(details)
    first, *rest = message.splitlines() or [""]
    _stderr.print(Text.assemble(("error: ", "bold red"), first))
    for line in rest:
        _stderr.print(Text(line))
    sys.exit(code)
