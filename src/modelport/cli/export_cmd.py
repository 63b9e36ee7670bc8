"""``modelport export``: a registered version written in modelport's own or another format."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from modelport.cli.context import STATE
from modelport.cli.options import JsonFlag, command
from modelport.cli.output import console, print_json
from modelport.export import EXPORT_FORMATS, ExportOptions, check_flags, get_export_format


def export(
    ref: Annotated[str, typer.Argument(help="NAME, NAME:VERSION or NAME@ALIAS")],
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", help="File to write (a new folder for docker, kserve and ray)."
        ),
    ],
    format_name: Annotated[
        str,
        typer.Option(
            "--format",
            help="; ".join(f"{f.name}: {f.description}" for f in EXPORT_FORMATS.values()) + ".",
        ),
    ] = "modelport",
    image: Annotated[
        str | None,
        typer.Option("--image", help="kserve: the container image the predictor runs."),
    ] = None,
    cpu: Annotated[
        str | None,
        typer.Option(
            "--cpu", help="kserve: CPU each replica asks for (request and limit) [default: 1]."
        ),
    ] = None,
    memory: Annotated[
        str | None,
        typer.Option(
            "--memory",
            help="kserve: memory each replica asks for (request and limit) [default: 2Gi].",
        ),
    ] = None,
    replicas: Annotated[
        int | None,
        typer.Option("--replicas", help="kserve, ray: replicas to run [default: 1].", min=1),
    ] = None,
    base_image: Annotated[
        str | None,
        typer.Option(
            "--base-image",
            help="docker: the base image (default: python:X.Y-slim-bookworm, the artifact's "
            "Python).",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Write a version's model out of the registry (as its artifact, or in another format)."""
    export_format = get_export_format(format_name)
    given = {
        "--image": image,
        "--cpu": cpu,
        "--memory": memory,
        "--replicas": replicas,
        "--base-image": base_image,
    }
    check_flags(export_format, {flag for flag, value in given.items() if value is not None})
    version = STATE.store.resolve(ref)
    options = ExportOptions(
        name=version.model,
        version=version.number,
        image=image,
        cpu=cpu or "1",
        memory=memory or "2Gi",
        replicas=replicas or 1,
        base_image=base_image,
    )
    export_format.write(STATE.store.artifact_path(version), output, options)
    if as_json:
        print_json(
            {
                "model": version.model,
                "version": version.number,
                "digest": version.digest,
                "format": export_format.name,
                "output": str(output),
            }
        )
        return
    console.print(
        Text(
            f"exported {version.model}:{version.number} to {output} "
            f"({export_format.name}, from {version.digest})"
        )
    )


def register(app: typer.Typer) -> None:
    command(app)(export)
