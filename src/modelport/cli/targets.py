"""What `serve` and `predict` are pointed at, and running them in the model's own environment."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from modelport.cli.context import STATE
from modelport.errors import InvalidInput, NotFound
from modelport.registry.refs import NAME_RULE, is_model_uri, parse_ref

if TYPE_CHECKING:
    from modelport.artifact.manifest import Manifest
    from modelport.builder.build_options import EnvMode
    from modelport.builder.progress import Progress


@dataclass(frozen=True)
class ServeTarget:
    """An artifact to load, with the registry name, version and digest it is known by."""

    artifact: Path
    name: str | None
    version: int | None
    digest: str | None


TARGET_HELP = (
    "A registry reference (NAME, NAME:VERSION, NAME@ALIAS) or a path: a project folder (built "
    "first) or an artifact .zip. A bare name always means the registry; write a folder as a "
    "path (./iris, iris/ or /abs/iris) to build it. MLflow's models:/NAME/VERSION and "
    "models:/NAME@ALIAS name registry versions too."
)


def is_path(target: str) -> bool:
    """Whether ``target`` names a file or folder rather than a registry reference: it is written
    as a path (a separator, a leading dot, absolute), or is no registry reference at all
    (``iris.zip``). A bare name (``iris``) means the registry even when a folder ``./iris``
    exists."""
    return _written_as_path(target) or not _is_reference(target)


def _written_as_path(target: str) -> bool:
    if is_model_uri(target):  # models:/iris/2 is a reference, whatever its slashes
        return False
    separators = {"/", os.sep, os.altsep}
    return (
        any(sep in target for sep in separators if sep)
        or target.startswith(".")
        or Path(target).is_absolute()
    )


def _is_reference(target: str) -> bool:
    try:
        parse_ref(target)
    except InvalidInput:
        return False
    return True


def resolve_target(
    target: str, *, env: EnvMode, name: str | None, as_version: int | None
) -> ServeTarget:
    """A registry reference (NAME, NAME:V, NAME@ALIAS), or a path: a project folder (built
    first, with ``env``) or an artifact file."""
    if not is_path(target):
        return _registered(target, name)
    path = Path(target)
    if path.is_file():
        return ServeTarget(path.resolve(), name, as_version, None)
    if not path.is_dir():
        if _written_as_path(target):
            raise NotFound(f"{target} does not exist (in {Path.cwd()})", field="TARGET")
        raise NotFound(
            f"{target} is neither a file or folder here nor a registry reference",
            hint=f"registry names are {NAME_RULE}",
            field="TARGET",
        )
    from rich.console import Console

    from modelport.cli.progress import RichProgress

    with RichProgress(Console(stderr=True)) as progress:
        return build_folder(path, env=env, name=name, progress=progress)


def build_folder(path: Path, *, env: EnvMode, name: str | None, progress: Progress) -> ServeTarget:
    """Build the project folder ``path`` (its tests run as in ``modelport build``), register it,
    and answer the version to serve."""
    from modelport.builder.build import build_project
    from modelport.builder.build_options import BuildOptions

    result = build_project(
        path,
        store=STATE.store,
        settings=STATE.settings,
        options=BuildOptions(name=name, env=env),
        progress=progress,
    )
    version = result.version
    return ServeTarget(
        STATE.store.artifact_path(version), name or version.model, version.number, version.digest
    )


def registered_quickly(target: str, name: str | None) -> ServeTarget | None:
    """The registered version ``target`` names, when the registry is a SQLite file and the
    artifacts are in a folder, found without opening the store (``registry.sql.lookup``: no
    SQLAlchemy to import, no migration to check); None when it cannot be found so (another kind
    of registry or blob store, a path, a name not registered, a missing blob), for the caller to
    go the usual way, which says what is wrong."""
    from modelport.registry.blob_uris import open_blob_store
    from modelport.registry.blobs import LocalBlobStore
    from modelport.registry.sql.lookup import find_version
    from modelport.registry.sql.sqlite_uri import sqlite_path

    uri = STATE.resolved_registry_uri
    if not uri.startswith("sqlite:") or is_path(target):
        return None
    blobs = open_blob_store(settings=STATE.settings)
    if not isinstance(blobs, LocalBlobStore):
        return None
    found = find_version(sqlite_path(uri), target)
    if found is None:
        return None
    try:
        artifact = blobs.local_path(found.digest)
    except NotFound:
        return None
    return ServeTarget(artifact, name or found.model, found.number, found.digest)


def _registered(ref: str, name: str | None) -> ServeTarget:
    try:
        version = STATE.store.resolve(ref)
    except NotFound as exc:
        local = Path(ref)
        if not local.exists():
            raise
        use = "build the folder" if local.is_dir() else "use the file"
        raise NotFound(
            f"{exc.message}; a bare name means the registry",
            hint=f"to {use} ./{ref}, write ./{ref}",
            field="TARGET",
        ) from exc
    return ServeTarget(
        STATE.store.artifact_path(version), name or version.model, version.number, version.digest
    )


def serving_command(target: ServeTarget, options: Sequence[str]) -> list[str]:
    """``python -m modelport.serving`` on ``target``'s artifact (verified, unpacked once per
    digest), run by the interpreter of the model's environment, with the server's ``options``
    (``--host``, ``--port``, ...)."""
    root, manifest, digest = unpacked_target(target)
    python = model_python(manifest.lock, manifest.build)
    argv = [str(python), "-m", "modelport.serving", str(root)]
    if target.name:
        argv += ["--name", target.name]
    if target.version is not None:
        argv += ["--version", str(target.version)]
    argv += ["--digest", digest]
    argv += ["--home", str(STATE.settings.home), "--registry", STATE.resolved_registry_uri]
    if STATE.debug:
        argv.append("--debug")
    return [*argv, *options]


def unpacked_target(target: ServeTarget) -> tuple[Path, Manifest, str]:
    """The folder ``target``'s artifact is unpacked to, its manifest and its digest. A registered
    version unpacked before is served from that folder as it is: every file was checked against
    the digest the registry holds when it was unpacked, and the folder is named by that digest.
    Otherwise the artifact is verified (its digest against the registry's; its signature with
    the require_signatures setting, each time, before anything is loaded) and unpacked now."""
    from modelport.artifact.manifest import MANIFEST_NAME, Manifest
    from modelport.artifact.reader import open_artifact, unpacked_path, unpacked_root

    settings = STATE.settings
    if target.digest is not None and not settings.require_signatures:
        manifest_file = unpacked_path(target.digest, settings) / MANIFEST_NAME
        if manifest_file.is_file():
            manifest = Manifest.from_yaml(manifest_file.read_bytes(), source=str(manifest_file))
            return manifest_file.parent, manifest, target.digest
    artifact = open_artifact(
        target.artifact, max_bytes=settings.max_artifact_bytes, expected_digest=target.digest
    )
    from modelport.cli.keys_cmd import check_signed

    check_signed(artifact)  # with the require_signatures setting: before anything is unpacked
    return unpacked_root(artifact, settings), artifact.manifest, artifact.digest


def model_python(lock: list[str] | str, build: dict[str, Any]) -> Path:
    """The interpreter the model runs with: its own environment's when it was built in one
    (prepared again if it has gone), else this one."""
    if build.get("environment") != "venv":
        return Path(sys.executable)
    from modelport.builder.built_environments import built_environment
    from modelport.builder.package_index import configured_index

    lines = lock.splitlines() if isinstance(lock, str) else list(lock)
    options = configured_index(STATE.settings).options()
    built = built_environment(lines, envs_dir=STATE.settings.envs_dir, options=options)
    if built is not None:
        return built
    from modelport.builder.environment import locks_pandas, prepare_environment

    return prepare_environment(  # gone (or built elsewhere): made again from the lock
        lines, envs_dir=STATE.settings.envs_dir, pandas=locks_pandas(lines), options=options
    ).python


def reexec_in_model_environment(
    lock: list[str] | str, build: dict[str, Any], command: list[str]
) -> None:
    """Become ``modelport COMMAND`` run by the model's own interpreter, when the model was built
    in an environment of its own and this process is not already running in it."""
    if build.get("environment") != "venv":
        return
    python = model_python(lock, build)
    if python.parent.parent.resolve() == Path(sys.prefix).resolve():
        return  # already running in it (interpreters are symlinks: compare the prefixes)
    argv = [str(python), "-m", "modelport"]
    if STATE.debug:
        argv.append("--debug")
    if STATE.registry_uri:
        argv += ["--registry", STATE.registry_uri]
    if STATE.blobs_uri:
        argv += ["--blobs", STATE.blobs_uri]
    become([*argv, *command])


def become(argv: list[str]) -> NoReturn:
    """Replace this process by ``argv`` (same pid, so signals sent to it reach the new one)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(argv[0], argv)
