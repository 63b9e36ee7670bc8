"""``modelport init`` and ``modelport build``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from modelport.cli.build_options import (
    ConventionOption,
    ConventionOptions,
    ExtraFoldersOption,
    ExtraIndexUrlOption,
    FindLinksOption,
    IndexUrlOption,
    NameOption,
    OldConventionOption,
    SampleOption,
    build_options,
    key_values,
)
from modelport.cli.context import STATE
from modelport.cli.options import EnvOption, JsonFlag, RegistryOption, command
from modelport.cli.output import console, print_json, to_jsonable
from modelport.cli.progress import RichProgress
from modelport.registry.transfers import reporting_to
from modelport.scaffold import CONVENTIONS, next_command, scaffold, template_of


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
    format_name: OldConventionOption = None,
    as_json: JsonFlag = False,
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
    if as_json:
        files = [str(path.relative_to(root)) for path in written]
        print_json(
            {
                "root": str(root),
                "convention": convention,
                "template": template,
                "files": files,
                "next": next_command(convention, name, root),
            }
        )
        return
    console.print(Text(f"Created {root}/ ({convention} convention, {template} template):"))
    for path in written:
        console.print(Text(f"  {path.relative_to(root)}"))
    console.print(Text(f"Next: {next_command(convention, name, root)}"))


def build(
    path: Annotated[Path, typer.Argument(help="The model project folder (or file).")] = Path("."),
    name: NameOption = None,
    env: EnvOption = "auto",
    convention: ConventionOption = None,
    old_convention: OldConventionOption = None,
    extra_folder: ExtraFoldersOption = None,
    sample: SampleOption = None,
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
            help="Wallaroo upload: python, custom, onnx, pytorch, tensorflow, keras, sklearn, "
            "xgboost, mlflow (`modelport frameworks` lists them); implies --convention wallaroo "
            "(mlflow: --convention mlflow).",
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
    tensor_fields: Annotated[
        str | None,
        typer.Option(
            "--tensor-fields",
            metavar="NAME[,NAME...]",
            help="Wallaroo ONNX upload: the columns feeding the graph's inputs, in order "
            "(the SDK's configure(tensor_fields=[...])); --framework onnx only.",
        ),
    ] = None,
    runtime: Annotated[
        str | None,
        typer.Option(
            "--runtime",
            metavar="auto|onnx|framework",
            help="Wallaroo pytorch, sklearn and xgboost uploads: serve a converted ONNX graph "
            "(onnx), the framework's own runtime (framework), or the graph when it answers as "
            "the model does on a generated batch (auto, the default).",
        ),
    ] = None,
    option: ConventionOptions = None,
    registry: RegistryOption = None,
    index_url: IndexUrlOption = None,
    extra_index_url: ExtraIndexUrlOption = None,
    find_links: FindLinksOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Build a model project into a versioned artifact and register it.

    The model's environment installs from pip's configured indexes and find-links (pip.conf,
    PIP_INDEX_URL, PIP_EXTRA_INDEX_URL, PIP_FIND_LINKS), uv's own settings, the index_url,
    extra_index_urls and find_links settings, and these flags."""
    STATE.use_registry(registry)
    from modelport.builder.build import build_project
    from modelport.formats.wallaroo.frameworks import supported_framework
    from modelport.formats.wallaroo.names import check_dns_name
    from modelport.formats.wallaroo.options import upload_options

    format_name = convention or old_convention
    wallaroo_options = (
        framework or input_schema or output_schema or runtime or tensor_fields is not None
    )
    if wallaroo_options and format_name is None:
        format_name = "mlflow" if framework and framework.lower() == "mlflow" else "wallaroo"
    if format_name == "wallaroo" and name is not None:
        check_dns_name(name)
    if framework is not None:
        framework = supported_framework(framework).name
    if tensor_fields is not None and framework not in (None, "onnx"):
        raise typer.BadParameter(
            f"tensor fields feed an ONNX graph's inputs; --framework {framework} has none "
            "(use --framework onnx with an .onnx file, or leave --tensor-fields out)",
            param_hint="--tensor-fields",
        )
    options = build_options(
        name=name,
        env=env,
        convention=format_name,
        extra_folders=extra_folder,
        sample=sample,
        run_unit_tests=not skip_tests,
        index_url=index_url,
        extra_index_urls=extra_index_url,
        find_links=find_links,
    )
    format_options = upload_options(
        framework=framework,
        input_schema=input_schema,
        output_schema=output_schema,
        tensor_fields=tensor_fields,
        runtime=runtime,
    )
    format_options.update(key_values(option, flag="--option"))
    progress = RichProgress(Console(quiet=True) if as_json else console)
    with progress, reporting_to(progress):
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


def register(app: typer.Typer) -> None:
    command(app)(init)
    command(app)(build)
