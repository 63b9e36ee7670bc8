"""``modelport init`` and ``modelport build``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.text import Text

from modelport.cli.context import STATE
from modelport.cli.output import console, print_json, to_jsonable
from modelport.cli.progress import RichProgress
from modelport.scaffold import CONVENTIONS, next_command, scaffold, template_of

if TYPE_CHECKING:
    from modelport.builder.build import EnvMode


def init(
    name: Annotated[str, typer.Argument(help="Model name; also the project folder's name.")],
    convention: Annotated[
        str | None,
        typer.Option(
            "--convention",
            help=f"The project's layout: {', '.join(CONVENTIONS)} (default: native).",
        ),
    ] = None,
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            "-t",
            help="A variant within the convention (default: its first): "
            + "; ".join(f"{c}: {', '.join(t)}" for c, t in CONVENTIONS.items())
            + ".",
        ),
    ] = None,
    class_name: Annotated[
        str | None,
        typer.Option(
            "--class-name", help="Model class name, native and qwak (default: from NAME)."
        ),
    ] = None,
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Where to create it (default: ./NAME).")
    ] = None,
    format_name: Annotated[
        str | None, typer.Option("--format", hidden=True, help="Old name of --convention.")
    ] = None,
) -> None:
    """Scaffold a new model project in one convention's layout."""
    from modelport.errors import InvalidInput
    from modelport.registry.refs import validate_name

    validate_name(name, field="name")
    if format_name is not None and convention is not None and format_name != convention:
        raise InvalidInput(
            f"--format {format_name} and --convention {convention} disagree",
            hint="give --convention alone (--format is its old name)",
            field="convention",
        )
    convention, template = template_of(convention or format_name, template)
    written = scaffold(
        name, convention=convention, template=template, dest=directory, class_name=class_name
    )
    root = directory if directory is not None else Path(name)
    console.print(Text(f"Created {root}/ ({convention} convention, {template} template):"))
    for path in written:
        console.print(Text(f"  {path.relative_to(root)}"))
    console.print(Text(f"Next: {next_command(convention, name, root)}"))


def build(
    path: Annotated[Path, typer.Argument(help="The model project folder (or file).")] = Path("."),
    name: Annotated[
        str | None, typer.Option("--name", "-n", help="Registry name (default: the folder's).")
    ] = None,
    env: Annotated[
        str,
        typer.Option(
            "--env",
            help="auto: a uv virtualenv from the project's dependency file (cached); "
            "inherit: the current interpreter.",
        ),
    ] = "auto",
    format_name: Annotated[
        str | None, typer.Option("--format", help="The convention, when detection is not enough.")
    ] = None,
    extra_folder: Annotated[
        list[str] | None,
        typer.Option("--dependency-required-folders", "--extra-folder", help="Also package it."),
    ] = None,
    sample: Annotated[
        Path | None,
        typer.Option("--sample", help="Sample input (.json/.csv/.parquet) to infer the schema."),
    ] = None,
    skip_tests: Annotated[
        bool,
        typer.Option(
            "--skip-tests", help="Do not run the project's tests (tests/ut; tests/it where built)."
        ),
    ] = False,
    framework: Annotated[
        str | None,
        typer.Option(
            "--framework",
            help="Wallaroo upload: python, custom, onnx, sklearn, xgboost "
            "(`modelport frameworks` lists them); implies --format wallaroo.",
        ),
    ] = None,
    input_schema: Annotated[
        str | None,
        typer.Option(
            "--input-schema", help="Arrow schema: base64 of schema.serialize(), or a pickle file."
        ),
    ] = None,
    output_schema: Annotated[
        str | None,
        typer.Option(
            "--output-schema", help="Arrow schema: base64 of schema.serialize(), or a pickle file."
        ),
    ] = None,
    option: Annotated[
        list[str] | None,
        typer.Option(
            "--option",
            help="A build option of the project's convention, KEY=VALUE (repeatable).",
            metavar="KEY=VALUE",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Build a model project into a versioned artifact and register it."""
    from modelport.builder.build import BuildOptions, build_project
    from modelport.formats.wallaroo.frameworks import supported_framework
    from modelport.formats.wallaroo.names import check_dns_name
    from modelport.formats.wallaroo.options import upload_options

    env_mode_ = env_mode(env)
    wallaroo_options = framework or input_schema or output_schema
    if wallaroo_options and format_name is None:
        format_name = "wallaroo"
    if format_name == "wallaroo" and name is not None:
        check_dns_name(name)
    if framework is not None:
        supported_framework(framework)
    options = BuildOptions(
        name=name,
        env=env_mode_,
        format=format_name,
        extra_folders=tuple(extra_folder or ()),
        sample=sample,
        run_unit_tests=not skip_tests,
    )
    format_options = upload_options(
        framework=framework, input_schema=input_schema, output_schema=output_schema
    )
    format_options.update(_key_values(option or [], flag="--option"))
    with RichProgress(Console(quiet=True) if as_json else console) as progress:
        result = build_project(
            path,
            store=STATE.store,
            settings=STATE.settings,
            options=options,
            format_options=format_options,
            progress=progress,
        )
    version = result.version
    if as_json:
        print_json({"created": result.created, "version": to_jsonable(version)})
        return
    ref = f"{version.model}:{version.number}"
    if result.created:
        console.print(Text(f"Registered {ref} ({version.digest}) in {progress.elapsed:.1f}s"))
    else:
        console.print(Text(f"Unchanged: {ref} already holds this artifact ({version.digest})"))
    for other in result.others:  # a project holding several models registers each
        console.print(Text(f"Also registered {other.model}:{other.number} ({other.digest})"))
    console.print(Text(f"Serve it: modelport serve {ref}"))


def _key_values(pairs: list[str], *, flag: str) -> dict[str, str]:
    found = {}
    for pair in pairs:
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


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(build)
