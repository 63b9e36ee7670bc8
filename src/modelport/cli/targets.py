"""What `serve` and `predict` are pointed at, and running them in the model's own environment."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from rich.console import Console

from modelport.cli.context import STATE
from modelport.cli.progress import RichProgress

if TYPE_CHECKING:
    from modelport.builder.build import EnvMode


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
        from modelport.builder.build import BuildOptions, build_project

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


def model_python(lock: list[str] | str, build: dict[str, Any]) -> Path:
    """The interpreter the model runs with: its own environment's when it was built in one
    (prepared again if it has gone), else this one."""
    if build.get("environment") != "venv":
        return Path(sys.executable)
    from modelport.builder.environment import built_environment, locks_pandas, prepare_environment

    lines = lock.splitlines() if isinstance(lock, str) else list(lock)
    built = built_environment(lines, envs_dir=STATE.settings.envs_dir)
    if built is not None:
        return built
    return prepare_environment(  # gone (or built elsewhere): made again from the lock
        lines, envs_dir=STATE.settings.envs_dir, pandas=locks_pandas(lines)
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
    become([*argv, *command])


def become(argv: list[str]) -> NoReturn:
    """Replace this process by ``argv`` (same pid, so signals sent to it reach the new one)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(argv[0], argv)
