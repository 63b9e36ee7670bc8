"""``modelport frameworks``: every framework name modelport accepts, in Wallaroo's spelling."""

from __future__ import annotations

from dataclasses import asdict

import typer
from rich.table import Column, Table

from modelport.cli.options import JsonFlag, command
from modelport.cli.output import console, print_json
from modelport.formats.wallaroo.frameworks import FRAMEWORKS


def frameworks(
    as_json: JsonFlag = False,
) -> None:
    """List the model frameworks of Wallaroo uploads (--framework) and their status."""
    if as_json:
        print_json([asdict(f) for f in FRAMEWORKS])
        return
    table = Table(Column("framework", no_wrap=True), "status", "upload")  # names copied whole
    for framework in FRAMEWORKS:
        table.add_row(framework.name, framework.status, framework.accepts)
    console.print(table)


def register(app: typer.Typer) -> None:
    command(app)(frameworks)
