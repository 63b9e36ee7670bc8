"""Registry commands: models, versions, aliases, tags, delete and import."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from modelport.artifact.reader import open_artifact
from modelport.cli.context import STATE
from modelport.cli.output import console, print_fields, print_json, print_table
from modelport.errors import InvalidInput
from modelport.registry.entities import ModelVersion
from modelport.registry.refs import parse_ref

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

models_app = typer.Typer(help="List and show registered models.", no_args_is_help=True)
alias_app = typer.Typer(help="Point names such as production at versions.", no_args_is_help=True)
tag_app = typer.Typer(help="Tag models (NAME) or versions (NAME:N).", no_args_is_help=True)


@models_app.command("list")
def list_models(as_json: JsonFlag = False) -> None:
    """Every model in the registry."""
    models = STATE.store.list_models()
    if as_json:
        print_json(models)
        return
    rows = []
    for model in models:
        versions = STATE.store.list_versions(name=model.name)
        latest = versions[-1].number if versions else None
        rows.append((model.name, len(versions), latest, model.description, model.updated_at))
    print_table(None, ["name", "versions", "latest", "description", "updated"], rows)


@models_app.command("show")
def show_model(name: str, as_json: JsonFlag = False) -> None:
    """One model, its aliases and its versions."""
    model = STATE.store.get_model(name=name)
    versions = STATE.store.list_versions(name=name)
    aliases = STATE.store.list_aliases(name=name)
    if as_json:
        print_json({"model": model, "versions": versions, "aliases": aliases})
        return
    print_fields(
        model.name,
        [
            ("description", model.description),
            ("tags", model.tags),
            ("aliases", {a.name: a.version for a in aliases}),
            ("versions", len(versions)),
            ("created", model.created_at),
            ("updated", model.updated_at),
        ],
    )
    _print_versions(versions)
    for version in versions:
        _print_logged(version)


def _print_logged(version: ModelVersion) -> None:
    """What the model logged while it was built (params, metrics, data), if anything."""
    logged = version.build.get("logged")
    if isinstance(logged, dict) and logged:
        print_fields(f"{version.model}:{version.number} logged", sorted(logged.items()))


def versions(name: str, as_json: JsonFlag = False) -> None:
    """The versions of a model."""
    found = STATE.store.list_versions(name=name)
    if as_json:
        print_json(found)
        return
    _print_versions(found)


def _print_versions(found: list[ModelVersion]) -> None:
    rows = [
        (
            v.number,
            v.digest.removeprefix("sha256:")[:12],
            v.source_format,
            v.aliases,
            v.tags,
            f"{v.size:,}",
            v.created_at,
        )
        for v in found
    ]
    print_table(None, ["version", "digest", "format", "aliases", "tags", "bytes", "created"], rows)


@alias_app.command("set")
def alias_set(name: str, alias: str, version: int, as_json: JsonFlag = False) -> None:
    """Point ALIAS of model NAME at VERSION (moving it if it pointed elsewhere)."""
    made = STATE.store.set_alias(name=name, alias=alias, number=version)
    if as_json:
        print_json(made)
        return
    console.print(Text(f"{name}@{alias} -> {name}:{version}"))


@alias_app.command("rm")
def alias_rm(name: str, alias: str) -> None:
    """Remove ALIAS of model NAME."""
    STATE.store.delete_alias(name=name, alias=alias)
    console.print(Text(f"removed {name}@{alias}"))


@tag_app.command("set")
def tag_set(target: str, key: str, value: str) -> None:
    """Set tag KEY=VALUE on a model (NAME) or a version (NAME:N)."""
    name, number = _tag_target(target)
    if number is None:
        STATE.store.set_model_tag(name=name, key=key, value=value)
    else:
        STATE.store.set_version_tag(name=name, number=number, key=key, value=value)
    console.print(Text(f"{target}: {key}={value}"))


@tag_app.command("rm")
def tag_rm(target: str, key: str) -> None:
    """Remove tag KEY from a model (NAME) or a version (NAME:N)."""
    name, number = _tag_target(target)
    if number is None:
        STATE.store.delete_model_tag(name=name, key=key)
    else:
        STATE.store.delete_version_tag(name=name, number=number, key=key)
    console.print(Text(f"{target}: removed {key}"))


def _tag_target(target: str) -> tuple[str, int | None]:
    ref = parse_ref(target)
    if ref.alias is not None:
        raise InvalidInput(
            f"tags go on NAME or NAME:VERSION, not on an alias ({target})",
            hint=f"use {ref.model}:N",
        )
    return ref.model, ref.number


def delete(ref: Annotated[str, typer.Argument(help="NAME:VERSION")]) -> None:
    """Delete a version (refused while an alias points at it)."""
    parsed = parse_ref(ref)
    if parsed.number is None:
        raise InvalidInput(
            f"delete takes NAME:VERSION, got {ref!r}",
            hint=f"see the versions with `modelport versions {parsed.model}`",
        )
    STATE.store.delete_version(name=parsed.model, number=parsed.number)
    console.print(Text(f"deleted {ref}"))


def import_(
    path: Annotated[Path, typer.Argument(help="An artifact zip written by `modelport export`.")],
    name: Annotated[str | None, typer.Option("--name", help="Register under this name.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Register an artifact file (its checksums are verified first)."""
    artifact = open_artifact(path, max_bytes=STATE.settings.max_artifact_bytes)
    artifact.verify()
    manifest = artifact.manifest
    version, created = STATE.store.register_version(
        name=name or manifest.name,
        artifact=path,
        digest=artifact.digest,
        signature=manifest.signature,
        metadata=manifest.metadata,
        lineage={"imported_from": str(path.resolve())},
        build=manifest.build,
        source_format=manifest.source_format,
        description=manifest.metadata.get("description"),
    )
    if as_json:
        print_json({"created": created, "version": version})
        return
    state = "imported" if created else "already registered"
    console.print(Text(f"{state}: {version.model}:{version.number} ({version.digest})"))


def register(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")
    app.command()(versions)
    app.add_typer(alias_app, name="alias")
    app.add_typer(tag_app, name="tag")
    app.command()(delete)
    app.command("import")(import_)
