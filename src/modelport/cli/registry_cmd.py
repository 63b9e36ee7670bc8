"""Registry commands: models, versions, aliases, tags, rm and import."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from modelport.cli import paging
from modelport.cli.context import STATE
from modelport.cli.options import JsonFlag, command, deprecated, group
from modelport.cli.output import console, print_fields, print_json, print_table
from modelport.cli.paging import FilterOption, MaxResultsOption, PageTokenOption, TagFilterOption
from modelport.errors import InvalidInput
from modelport.registry.entities import ModelVersion
from modelport.registry.refs import parse_ref
from modelport.registry.search import parse_filter

models_app = group("List and show registered models.")
alias_app = group("Point names such as production at versions.")
tag_app = group("Tag models (NAME) or versions (NAME:N).")

MODEL_COLUMNS = ["name", "versions", "latest", "description", "updated"]


@command(models_app, "list")
def list_models(
    filters: FilterOption = None,
    max_results: MaxResultsOption = None,
    page_token: PageTokenOption = None,
    as_json: JsonFlag = False,
) -> None:
    """The models in the registry (all, or those --filter keeps), by name."""
    wanted = parse_filter(filters)
    page = paging.collect(
        lambda size, token: STATE.store.search_models(
            name_contains=wanted.name_contains, tags=wanted.tags, max_results=size,
            page_token=token,
        ),
        max_results=max_results,
        token=page_token,
    )  # fmt: skip
    rows = [
        (m.name, m.version_count, m.latest_version, m.description, m.updated_at) for m in page.items
    ]
    if as_json:  # the table's columns, as JSON values
        found = [dict(zip(MODEL_COLUMNS, row, strict=True)) for row in rows]
        paged = max_results is not None or page_token is not None
        print_json({"items": found, "next_page_token": page.next_page_token} if paged else found)
        return
    print_table(None, MODEL_COLUMNS, rows)
    paging.say_next_page(page)


@command(models_app, "show")
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
        _print_runtime(version)
        _print_lineage(version)
        _print_logged(version)


def _print_runtime(version: ModelVersion) -> None:
    """What serves the version, and why, where its build chose (a converted framework model)."""
    runtime = version.metadata.get("runtime")
    if runtime:
        why = version.metadata.get("runtime_reason")
        print_fields(f"{version.model}:{version.number}", [("runtime", runtime), ("why", why)])


def _print_lineage(version: ModelVersion) -> None:
    """Where the version came from: source, its digest, git commit, MLflow run, if known."""
    if version.lineage:
        print_fields(f"{version.model}:{version.number} lineage", sorted(version.lineage.items()))


def _print_logged(version: ModelVersion) -> None:
    """What the model logged while it was built (params, metrics, data), if anything."""
    logged = version.build.get("logged")
    if isinstance(logged, dict) and logged:
        print_fields(f"{version.model}:{version.number} logged", sorted(logged.items()))


def versions(
    name: str,
    filters: TagFilterOption = None,
    max_results: MaxResultsOption = None,
    page_token: PageTokenOption = None,
    as_json: JsonFlag = False,
) -> None:
    """The versions of a model (all, or those --filter keeps), oldest first."""
    wanted = parse_filter(filters, names=False)
    page = paging.collect(
        lambda size, token: STATE.store.search_versions(
            name=name, tags=wanted.tags, max_results=size, page_token=token
        ),
        max_results=max_results,
        token=page_token,
    )
    if as_json:
        paged = max_results is not None or page_token is not None
        print_json(page if paged else page.items)
        return
    _print_versions(page.items)
    paging.say_next_page(page)


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


@command(alias_app, "set")
def alias_set(name: str, alias: str, version: int, as_json: JsonFlag = False) -> None:
    """Point ALIAS of model NAME at VERSION (moving it if it pointed elsewhere); the Ray
    deployments of NAME@ALIAS are deployed again, on the new version, without dropping
    requests."""
    made = STATE.store.set_alias(name=name, alias=alias, number=version)
    from modelport.cli.deploy_cmd import redeploy_following

    for redeployed in redeploy_following(name, alias):
        sys.stderr.write(f"redeployed {redeployed.name} on {redeployed.target}: {name}:{version}\n")
    if as_json:
        print_json(made)
        return
    console.print(Text(f"{name}@{alias} -> {name}:{version}"))


@command(alias_app, "rm")
def alias_rm(name: str, alias: str, as_json: JsonFlag = False) -> None:
    """Remove ALIAS of model NAME."""
    STATE.store.delete_alias(name=name, alias=alias)
    if as_json:
        print_json({"removed": {"model": name, "alias": alias}})
        return
    console.print(Text(f"removed {name}@{alias}"))


@command(alias_app, "history")
def alias_history(
    name: str,
    alias: Annotated[str | None, typer.Argument(help="One alias (default: all).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Who set, moved or removed the aliases of model NAME, when, from and to which version."""
    changes = STATE.store.alias_history(name=name, alias=alias)
    if as_json:
        print_json(changes)
        return
    rows = [(c.changed_at, c.alias, c.from_version, c.to_version, c.actor) for c in changes]
    print_table(None, ["when", "alias", "from", "to", "by"], rows)


@command(alias_app, "list")
def alias_list(
    name: Annotated[str | None, typer.Argument(help="A model (default: every model).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """The aliases of model NAME, or of every model, and the versions they point at."""
    names = [name] if name is not None else [m.name for m in STATE.store.list_models()]
    found = [alias for model in names for alias in STATE.store.list_aliases(name=model)]
    if as_json:
        print_json([{"model": a.model, "alias": a.name, "version": a.version} for a in found])
        return
    print_table(None, ["model", "alias", "version"], [(a.model, a.name, a.version) for a in found])


@command(tag_app, "set")
def tag_set(target: str, key: str, value: str, as_json: JsonFlag = False) -> None:
    """Set tag KEY=VALUE on a model (NAME) or a version (NAME:N)."""
    name, number = _tag_target(target)
    if number is None:
        tags = STATE.store.set_model_tag(name=name, key=key, value=value).tags
    else:
        tags = STATE.store.set_version_tag(name=name, number=number, key=key, value=value).tags
    if as_json:
        print_json({"target": target, "tags": tags})
        return
    console.print(Text(f"{target}: {key}={value}"))


@command(tag_app, "rm")
def tag_rm(target: str, key: str, as_json: JsonFlag = False) -> None:
    """Remove tag KEY from a model (NAME) or a version (NAME:N)."""
    name, number = _tag_target(target)
    if number is None:
        tags = STATE.store.delete_model_tag(name=name, key=key).tags
    else:
        tags = STATE.store.delete_version_tag(name=name, number=number, key=key).tags
    if as_json:
        print_json({"target": target, "tags": tags})
        return
    console.print(Text(f"{target}: removed {key}"))


def _tag_target(target: str) -> tuple[str, int | None]:
    ref = parse_ref(target)
    if ref.alias is not None:
        raise InvalidInput(
            f"tags go on NAME or NAME:VERSION, not on an alias ({target})",
            hint=f"use {ref.model}:N",
        )
    return ref.model, ref.number


def rm(
    ref: Annotated[
        str, typer.Argument(help="NAME:VERSION (one version) or NAME (the model, every version).")
    ],
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Delete a whole model without asking.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Delete a version (refused while an alias points at it), or a whole model with its
    versions, aliases and tags."""
    parsed = parse_ref(ref)
    if parsed.alias is not None:
        raise InvalidInput(
            f"rm takes NAME:VERSION or NAME, not an alias ({ref})",
            hint=f"remove the alias with `modelport alias rm {parsed.model} {parsed.alias}`",
        )
    if parsed.number is not None:
        STATE.store.delete_version(name=parsed.model, number=parsed.number)
        if as_json:
            print_json({"deleted": {"model": parsed.model, "versions": [parsed.number]}})
            return
        console.print(Text(f"deleted {parsed.model}:{parsed.number}"))
        return
    numbers = [v.number for v in STATE.store.list_versions(name=parsed.model)]
    _confirm_model_removal(parsed.model, numbers, yes=yes)
    STATE.store.delete_model(name=parsed.model, with_versions=True)
    if as_json:
        print_json({"deleted": {"model": parsed.model, "versions": numbers}})
        return
    console.print(Text(f"deleted model {parsed.model} ({len(numbers)} version(s))"))


def _confirm_model_removal(name: str, numbers: list[int], *, yes: bool) -> None:
    """Ask before deleting a model with versions (or refuse, when no one can answer)."""
    if yes or not numbers:
        return
    what = f"model {name} and its {len(numbers)} version(s)"
    if not sys.stdin.isatty():
        raise InvalidInput(
            f"`modelport rm {name}` deletes {what}",
            hint=f"add --yes to confirm, or name one version: {name}:{numbers[-1]}",
            field="--yes",
        )
    typer.confirm(f"Delete {what}?", abort=True, err=True)


def import_(
    path: Annotated[Path, typer.Argument(help="An artifact zip written by `modelport export`.")],
    name: Annotated[str | None, typer.Option("--name", help="Register under this name.")] = None,
    require_signature: Annotated[
        bool,
        typer.Option(
            "--require-signature",
            help="Refuse it unless a trusted key signed it (`modelport keys`; always so with the "
            "require_signatures setting).",
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Register an artifact file (its checksums are verified first, and its signature when
    required: loading a model unpickles it, which runs code)."""
    from modelport.artifact.reader import open_artifact
    from modelport.cli.keys_cmd import check_signed

    artifact = open_artifact(path, max_bytes=STATE.settings.max_artifact_bytes)
    check_signed(artifact, required=require_signature)
    artifact.verify()
    manifest = artifact.manifest
    version, created = STATE.store.register_version(
        name=name or manifest.name,
        artifact=path,
        digest=artifact.digest,
        signature=manifest.signature,
        metadata=manifest.metadata,
        lineage=_imported_lineage(path, manifest.build),
        build=manifest.build,
        source_format=manifest.source_format,
        description=manifest.metadata.get("description"),
    )
    if as_json:
        print_json({"created": created, "version": version})
        return
    state = "imported" if created else "already registered"
    console.print(Text(f"{state}: {version.model}:{version.number} ({version.digest})"))


def _imported_lineage(path: Path, build: dict[str, object]) -> dict[str, object]:
    """An imported artifact's lineage: the file, and the source digest its build recorded."""
    lineage: dict[str, object] = {"imported_from": str(path.resolve())}
    if isinstance(build.get("source_digest"), str):
        lineage["source_digest"] = build["source_digest"]
    return lineage


def register(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")
    command(app)(versions)
    app.add_typer(alias_app, name="alias")
    app.add_typer(tag_app, name="tag")
    command(app)(rm)
    deprecated(app, "delete", rm, instead="modelport rm")
    command(app, "import")(import_)
