"""The options ``modelport build`` takes, shared with ``modelport test`` (which builds too), and
how they become the builder's :class:`~modelport.builder.build.BuildOptions`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from modelport.builder.build_options import BuildOptions, EnvMode, IntegrationTests

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
IndexUrlOption = Annotated[
    str | None,
    typer.Option(
        "--index-url",
        metavar="URL",
        help="The package index the model's environment installs from, instead of pip's or "
        "uv's configured one (PyPI).",
    ),
]
ExtraIndexUrlOption = Annotated[
    list[str] | None,
    typer.Option(
        "--extra-index-url",
        metavar="URL",
        help="Another package index for the model's environment (repeatable), e.g. "
        "https://download.pytorch.org/whl/cpu for a CPU torch.",
    ),
]
FindLinksOption = Annotated[
    list[str] | None,
    typer.Option(
        "--find-links",
        metavar="PATH|URL",
        help="A folder of wheels (or a page linking them) the model's environment may install "
        "from (repeatable); adds to pip's find-links and the find_links setting.",
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
    index_url: str | None = None,
    extra_index_urls: list[str] | None = None,
    find_links: list[str] | None = None,
) -> BuildOptions:
    from modelport.builder.build_options import BuildOptions

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
        index_url=index_url,
        extra_index_urls=tuple(extra_index_urls or ()),
        find_links=tuple(find_links or ()),
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
