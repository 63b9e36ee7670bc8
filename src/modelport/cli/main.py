"""The ``modelport`` command: a thin Typer layer over the library.

Every user error is printed as one line (``error: ...``) with exit code 1; ``--debug`` shows the
traceback instead. A usage error (an unknown command or option, a missing or bad argument, no
arguments at all) prints the usage and exits 2: Typer reports those itself, so nothing here needs
to know the classes of its exceptions (Typer 0.29 moved them into a copy of click of its own).
Anything else is a bug: ``internal error``, exit 70.
"""

from __future__ import annotations

import sys
import traceback
from typing import TYPE_CHECKING, Annotated

import typer

from modelport.cli.context import STATE
from modelport.cli.options import RootGroup
from modelport.cli.transfer_bars import TransferBars
from modelport.errors import ModelportError
from modelport.registry.transfers import reporting_to

if TYPE_CHECKING:
    from rich.console import Console

app = typer.Typer(
    cls=RootGroup,
    name="modelport",
    help="Package, test, register and serve machine-learning models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
"""The commands themselves are listed in ``command_table`` and imported when they run."""


def _stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        sys.stdout.write(f"modelport {version('modelport')}\n")
        raise typer.Exit()


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
    blobs: Annotated[
        str | None,
        typer.Option(
            "--blobs",
            envvar="MODELPORT_BLOBS_URI",
            help="Where artifacts are stored: a folder, or s3://BUCKET/PREFIX (credentials and "
            "AWS_ENDPOINT_URL from the standard AWS settings; default: $MODELPORT_HOME/blobs). "
            "--registry and --blobs may also follow the command.",
        ),
    ] = None,
    _version: Annotated[
        bool,
        typer.Option(
            "--version",
            is_eager=True,
            expose_value=False,
            callback=_print_version,
            help="Print modelport's version and exit.",
        ),
    ] = False,
) -> None:
    STATE.begin(debug=debug, registry_uri=registry, blobs_uri=blobs)


def run(argv: list[str] | None = None) -> None:
    """Console-script entry point (exits with the command's code)."""
    try:
        with reporting_to(TransferBars(_stderr)):  # long uploads and downloads show a bar
            app(args=argv)  # Typer prints usage errors (exit 2) and exits with the command's code
    except ModelportError as exc:
        _fail(str(exc), exc, code=1)
    except KeyboardInterrupt:
        _stderr().print("interrupted")
        sys.exit(130)
    except Exception as exc:
        _fail(f"internal error: {type(exc).__name__}: {exc}", exc, code=70)
    sys.exit(0)


def _fail(message: str, exc: BaseException, *, code: int) -> None:
    if STATE.debug:
        traceback.print_exception(exc, file=sys.stderr)
        details = getattr(exc, "details", None)
        if details:
            sys.stderr.write(details)
    from rich.text import Text

    first, *rest = message.splitlines() or [""]
    console = _stderr()
    console.print(Text.assemble(("error: ", "bold red"), first))
    for line in rest:
        console.print(Text(line))
    sys.exit(code)
