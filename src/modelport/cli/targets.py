"""What `serve` and `predict` are pointed at, and running them in the model's own environment."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from modelport.build.pipeline import BuildOptions, EnvMode, build_project
from modelport.cli.context import STATE
from modelport.cli.progress import RichProgress


@dataclass(frozen=True)
class ServeTarget:
    """An artifact to load, with the registry name, version and digest it is known by."""

    artifact: Path
    name: str | None
    version: int | None
    digest: str | None


def resolve_target(
    target: str, *, env: EnvMode, name: str | None, as_version: int | None
) -> ServeTarget:
    """A registry reference (NAME, NAME:V, NAME@ALIAS), a project folder (built first, with
    ``env``) or an artifact file."""
    path = Path(target)
    if path.is_dir():
        with RichProgress(Console(stderr=True)) as progress:
            result = build_project(
                path,
                store=STATE.store,
                settings=STATE.settings,
                options=BuildOptions(name=name, env=env),
                progress=progress,
            )
        version = result.version
    elif path.is_file():
        return ServeTarget(path.resolve(), name, as_version, None)
    else:
        version = STATE.store.resolve(target)
    return ServeTarget(
        STATE.store.artifact_path(version), name or version.model, version.number, version.digest
    )


def reexec_in_model_environment(
    lock: list[str] | str, build: dict[str, Any], command: list[str]
) -> None:
    """Become ``modelport COMMAND`` run by the model's own interpreter, when the model was built
    in an environment of its own and this process is not already running in it."""
    if build.get("environment") != "venv":
        return
    from modelport.build.environment import prepare_environment

    lines = lock.splitlines() if isinstance(lock, str) else list(lock)
    environment = prepare_environment(lines, envs_dir=STATE.settings.envs_dir)
    if environment.root.resolve() == Path(sys.prefix).resolve():
        return  # already running in it (interpreters are symlinks: compare the prefixes)
    argv = [str(environment.python), "-m", "modelport"]
    if STATE.debug:
        argv.append("--debug")
    if STATE.registry_uri:
        argv += ["--registry", STATE.registry_uri]
    argv += command
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(argv[0], argv)
