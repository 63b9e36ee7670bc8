"""The options ``modelport build`` takes, shared with ``modelport test`` (which builds too), and
how they become the builder's :class:`~modelport.builder.build.BuildOptions`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from modelport.builder.build import BuildOptions, EnvMode, IntegrationTests

NameOption = Annotated[
    str | None, typer.Option("--name", "-n", help="Registry name (default: the folder's).")
]
ConventionOption = Annotated[
    str | None,
    typer.Option(
        "--convention",
        help="The convention (native, qwak, truss, deepaas, odahu, wallaroo, mlflow), when "
        "detection is not enough.",
    ),
]
OldConventionOption = Annotated[
    str | None, typer.Option("--format", hidden=True, help="The old name of --convention.")
]
ExtraFoldersOption = Annotated[
    list[str] | None,
    typer.Option("--dependency-required-folders", "--extra-folder", help="Also package it."),
]
SampleOption = Annotated[
    Path | None,
    typer.Option("--sample", help="Sample input (.json/.csv/.parquet) to infer the schema."),
]
ConventionOptions = Annotated[
    list[str] | None,
    typer.Option(
        "--option",
        help="A build option of the project's convention, KEY=VALUE (repeatable).",
        metavar="KEY=VALUE",
    ),
]


def build_options(
    *,
    name: str | None,
    env: str,
    convention: str | None,
    extra_folders: list[str] | None,
    sample: Path | None,
    run_unit_tests: bool = True,
    integration_tests: IntegrationTests = "at-build",
    test_args: tuple[str, ...] = (),
    ready_timeout: float = 600.0,
) -> BuildOptions:
    from modelport.builder.build import BuildOptions

    return BuildOptions(
        name=name,
        env=env_mode(env),
        format=convention,
        extra_folders=tuple(extra_folders or ()),
        sample=sample,
        run_unit_tests=run_unit_tests,
        integration_tests=integration_tests,
        test_args=test_args,
        ready_timeout=ready_timeout,
    )


def key_values(pairs: list[str] | None, *, flag: str) -> dict[str, str]:
    """``KEY=VALUE`` arguments of a repeatable option, as a mapping."""
    found = {}
    for pair in pairs or []:
        key, equals, value = pair.partition("=")
        if not equals or not key:
            raise typer.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint=flag)
        found[key] = value
    return found


def env_mode(value: str) -> EnvMode:
    if value == "auto":
        return "auto"
    if value == "inherit":
        return "inherit"
    raise typer.BadParameter("choose auto or inherit", param_hint="--env")
