"""The OMAF manifest (``odahuflow.model.yaml``, or ``odahuflow.project.yaml`` as Odahu's own
toolchains write it): read, validated field by field, and kept whole for the version's metadata.

Example (a GPPI model whose environment is a conda file)::

    binaries:
      type: python
      dependencies: conda
      conda_path: mlflow/model/mlflow_env.yml
    model:
      name: wine-quality
      version: 1.0.0-12333122
      workDir: mlflow/model
      entrypoint: entrypoint
    odahuflowVersion: '1.0'
    toolchain:
      name: mlflow
      version: 1.0.0
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from modelport.artifact.manifest import arcname_problem
from modelport.errors import ConfigError

MANIFEST_NAMES = ("odahuflow.model.yaml", "odahuflow.project.yaml")
"""The spec's name first, then the one Odahu's toolchains and packagers use."""

BINARY_TYPES = ("python", "java")
_MODEL_NAME = re.compile(r"[a-zA-Z0-9-]+")
_MODEL_VERSION = re.compile(r"\d+(\.\d+)*(-[a-zA-Z0-9.-]+)?")
_MODULE = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


@dataclass(frozen=True)
class OdahuManifest:
    """What an OMAF manifest declares (every field validated)."""

    file_name: str
    binary_type: str
    dependencies: str
    name: str
    version: str
    work_dir: str
    entrypoint: str
    conda_path: str | None = None
    odahuflow_version: str | None = None
    toolchain: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    """The manifest as read (kept in the version's metadata)."""

    def metadata(self) -> dict[str, Any]:
        """What the registry keeps: ``model.version`` as the version's label, the manifest
        (every section, the toolchain's extra fields included) under ``odahu``."""
        return {
            "version": self.version,
            "framework": f"odahu-{self.binary_type}",
            "odahu": {"manifest": self.file_name, **self.raw},
        }


def find_manifest(root: Path) -> Path | None:
    """The manifest file at the root of an unpacked artifact (None when there is none)."""
    for name in MANIFEST_NAMES:
        if (root / name).is_file():
            return root / name
    return None


def read_manifest(path: Path) -> OdahuManifest:
    """Parse and validate the manifest at ``path``; a ConfigError names the field at fault."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{path.name} is not valid YAML ({type(exc).__name__})",
            hint="fix its syntax",
            field=path.name,
        ) from exc
    return parse_manifest(data, file_name=path.name)


def parse_manifest(data: Any, *, file_name: str = MANIFEST_NAMES[0]) -> OdahuManifest:
    """Validate a manifest already read from YAML."""
    if not isinstance(data, dict):
        raise _error(file_name, "", "is not a mapping", "write the OMAF fields as YAML keys")
    binaries = _section(data, "binaries", file_name)
    model = _section(data, "model", file_name)
    toolchain = data.get("toolchain") or {}
    if not isinstance(toolchain, dict):
        raise _error(file_name, "toolchain", "is not a mapping", "give name and version under it")

    binary_type = _text(binaries, "binaries.type", file_name)
    if binary_type not in BINARY_TYPES:
        raise _error(
            file_name,
            "binaries.type",
            f"is {binary_type!r}",
            f"use one of: {', '.join(BINARY_TYPES)} (python is the GPPI)",
        )
    dependencies = _text(binaries, "binaries.dependencies", file_name)
    conda_path = None
    if binary_type == "python":
        if dependencies != "conda":
            raise _error(
                file_name,
                "binaries.dependencies",
                f"is {dependencies!r}",
                "the GPPI manages dependencies with conda: set it to conda",
            )
        conda_path = _relative_path(binaries, "binaries.conda_path", file_name)

    name = _text(model, "model.name", file_name)
    if not _MODEL_NAME.fullmatch(name):
        raise _error(
            file_name, "model.name", f"{name!r} is not valid", "use letters, digits and '-' only"
        )
    version = _text(model, "model.version", file_name)
    if not _MODEL_VERSION.fullmatch(version):
        raise _error(
            file_name,
            "model.version",
            f"{version!r} is not valid",
            "use an Apache-style version with an optional suffix of letters, digits, '.' and "
            "'-', e.g. 1.0.0-12333122",
        )
    work_dir = _relative_path(model, "model.workDir", file_name, default=".")
    entrypoint = _text(model, "model.entrypoint", file_name)
    if binary_type == "python" and not _MODULE.fullmatch(entrypoint):
        raise _error(
            file_name,
            "model.entrypoint",
            f"{entrypoint!r} is not a Python module name",
            "name the module to import, relative to model.workDir (e.g. entrypoint)",
        )
    odahuflow_version = data.get("odahuflowVersion")
    if odahuflow_version is not None and not isinstance(odahuflow_version, str | int | float):
        raise _error(file_name, "odahuflowVersion", "is not a version", "write it as '1.0'")
    for key in ("name", "version"):
        value = toolchain.get(key)
        if value is not None and not isinstance(value, str | int | float):
            raise _error(file_name, f"toolchain.{key}", "is not text", "write it as a string")
    return OdahuManifest(
        file_name=file_name,
        binary_type=binary_type,
        dependencies=dependencies,
        name=name,
        version=version,
        work_dir=work_dir,
        entrypoint=entrypoint,
        conda_path=conda_path,
        odahuflow_version=None if odahuflow_version is None else str(odahuflow_version),
        toolchain=toolchain,
        raw=data,
    )


def _section(data: dict[str, Any], key: str, file_name: str) -> dict[str, Any]:
    section = data.get(key)
    if section is None:
        raise _error(file_name, key, "is missing", f"add the `{key}:` section the OMAF requires")
    if not isinstance(section, dict):
        raise _error(file_name, key, "is not a mapping", f"write the {key} fields under it")
    return section


def _text(section: dict[str, Any], dotted: str, file_name: str) -> str:
    value = section.get(dotted.rsplit(".", 1)[-1])
    if value is None or value == "":
        raise _error(file_name, dotted, "is missing", "the OMAF requires it")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _error(file_name, dotted, f"is {type(value).__name__}", "write it as a string")
    return str(value)


def _relative_path(
    section: dict[str, Any], dotted: str, file_name: str, *, default: str | None = None
) -> str:
    key = dotted.rsplit(".", 1)[-1]
    if section.get(key) in (None, "") and default is not None:
        return default
    value = _text(section, dotted, file_name).strip().removeprefix("./").rstrip("/")
    if value in ("", "."):
        return "."
    problem = arcname_problem(value)
    if problem is not None:
        raise _error(
            file_name, dotted, f"{value!r} {problem}", "give a path relative to the artifact root"
        )
    return value


def _error(file_name: str, dotted: str, problem: str, hint: str) -> ConfigError:
    where = f"{file_name}: {dotted}" if dotted else file_name
    return ConfigError(f"{where} {problem}", hint=hint, field=dotted or file_name)
