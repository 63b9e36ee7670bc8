"""Writing registered models in other platforms' formats (``modelport export --format``).

A format writes either one file (the artifact zip, an OMAF zip) or a folder (a Docker build
context, a KServe ``InferenceService``, a Ray Serve config), from the artifact's path and the
command's :class:`ExportOptions`.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from modelport.errors import ConfigError


@dataclass(frozen=True)
class ExportOptions:
    """What ``modelport export`` was told besides the version and where to write."""

    name: str
    """The model's name in the registry (the served name, the Kubernetes resource's name)."""
    version: int
    """The registry's version number."""
    image: str | None = None
    """The container image the model runs from (``--image``: KServe's predictor)."""
    cpu: str = "1"
    """CPU each replica asks for (a Kubernetes quantity)."""
    memory: str = "2Gi"
    """Memory each replica asks for (a Kubernetes quantity)."""
    replicas: int = 1
    """Replicas to run (KServe's ``minReplicas``, Ray Serve's ``num_replicas``)."""
    base_image: str | None = None
    """The Dockerfile's base image (default: the artifact's Python on Debian, slim)."""


@dataclass(frozen=True)
class ExportFormat:
    """One format ``modelport export`` writes: ``write(artifact_path, dest, options)``."""

    name: str
    description: str
    write: Callable[[Path, Path, ExportOptions], None]
    flags: frozenset[str] = frozenset()
    """The command's options this format reads (``--image``...): the others are refused."""


def _copy_artifact(artifact_path: Path, dest: Path, options: ExportOptions) -> None:
    scratch = dest.with_name(dest.name + ".partial")
    shutil.copyfile(artifact_path, scratch)
    scratch.replace(dest)


def _write_omaf(artifact_path: Path, dest: Path, options: ExportOptions) -> None:
    from modelport.export.omaf import write_omaf

    write_omaf(artifact_path, dest)


def _write_docker(artifact_path: Path, dest: Path, options: ExportOptions) -> None:
    from modelport.export.docker import write_docker_context

    write_docker_context(artifact_path, dest, options)


def _write_kserve(artifact_path: Path, dest: Path, options: ExportOptions) -> None:
    from modelport.export.kserve import write_inference_service

    write_inference_service(artifact_path, dest, options)


def _write_ray(artifact_path: Path, dest: Path, options: ExportOptions) -> None:
    from modelport.export.ray_config import write_ray_config

    write_ray_config(artifact_path, dest, options)


EXPORT_FORMATS: dict[str, ExportFormat] = {
    "modelport": ExportFormat("modelport", "the artifact zip, as registered", _copy_artifact),
    "omaf": ExportFormat("omaf", "an Odahu OMAF zip with a GPPI entrypoint", _write_omaf),
    "docker": ExportFormat(
        "docker",
        "a folder: Dockerfile and build context",
        _write_docker,
        frozenset({"--base-image"}),
    ),
    "kserve": ExportFormat(
        "kserve",
        "a folder: a KServe InferenceService (needs --image)",
        _write_kserve,
        frozenset({"--image", "--cpu", "--memory", "--replicas"}),
    ),
    "ray": ExportFormat(
        "ray",
        "a folder: a Ray Serve config for `serve deploy`",
        _write_ray,
        frozenset({"--replicas"}),
    ),
}


def check_flags(export_format: ExportFormat, given: set[str]) -> None:
    """Refuse options ``export_format`` would not read (``--image`` with ``--format docker``)."""
    for flag in sorted(given - export_format.flags):
        readers = [f.name for f in EXPORT_FORMATS.values() if flag in f.flags]
        raise ConfigError(
            f"{flag} is not an option of --format {export_format.name}",
            hint=f"it applies to --format {' and '.join(readers)}; leave it out",
            field=flag,
        )


def get_export_format(name: str) -> ExportFormat:
    """The export format called ``name``."""
    if name not in EXPORT_FORMATS:
        raise ConfigError(
            f"unknown export format {name!r}",
            hint=f"choose one of: {', '.join(EXPORT_FORMATS)}",
            field="--format",
        )
    return EXPORT_FORMATS[name]
