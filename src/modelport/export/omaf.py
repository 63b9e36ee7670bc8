"""Any modelport model as an OMAF artifact: a Deflate ZIP holding ``odahuflow.model.yaml``, a
GPPI entrypoint module (:mod:`modelport.export.gppi_entrypoint`), the packaged modelport artifact
it loads, and a conda environment file."""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

import modelport
from modelport.artifact.reader import Artifact, open_artifact

WORK_DIR = "model"
ENTRYPOINT = "modelport_entrypoint"
CONDA_FILE = "conda.yaml"
OMAF_VERSION = "1.0"
_APACHE_VERSION = re.compile(r"\d+(\.\d+)*(-[a-zA-Z0-9.-]+)?")


def write_omaf(artifact_path: Path, dest: Path) -> None:
    """Write the OMAF ZIP of the modelport artifact at ``artifact_path`` to ``dest``."""
    artifact = open_artifact(artifact_path)
    artifact.verify()
    entrypoint = resources.files("modelport.export").joinpath("gppi_entrypoint.py").read_bytes()
    entries: dict[str, bytes | Path] = {
        "odahuflow.model.yaml": _dump(omaf_manifest(artifact)),
        CONDA_FILE: _dump(conda_environment(artifact)),
        f"{WORK_DIR}/{ENTRYPOINT}.py": entrypoint,
        f"{WORK_DIR}/model.zip": artifact_path,
    }
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, scratch = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    try:
        with (
            os.fdopen(fd, "wb") as handle,
            zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        ):
            for name, content in entries.items():
                if isinstance(content, Path):
                    archive.write(content, name)
                else:
                    archive.writestr(name, content)
        os.replace(scratch, dest)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise


def omaf_manifest(artifact: Artifact) -> dict[str, Any]:
    """The ``odahuflow.model.yaml`` of an exported model."""
    manifest = artifact.manifest
    version = manifest.version if _APACHE_VERSION.fullmatch(manifest.version) else "0.0.0"
    return {
        "binaries": {"type": "python", "dependencies": "conda", "conda_path": CONDA_FILE},
        "model": {
            "name": manifest.name,
            "version": version,
            "workDir": WORK_DIR,
            "entrypoint": ENTRYPOINT,
        },
        "odahuflowVersion": OMAF_VERSION,
        "toolchain": {
            "name": "modelport",
            "version": modelport.__version__,
            "source_format": manifest.source_format,
            "digest": artifact.digest,
        },
    }


def conda_environment(artifact: Artifact) -> dict[str, Any]:
    """A conda environment with the model's pinned requirements and modelport, through pip."""
    manifest = artifact.manifest
    lines = manifest.lock.splitlines() if isinstance(manifest.lock, str) else manifest.lock
    pinned = [
        line.strip()
        for line in lines
        if "==" in line
        and not line.lstrip().startswith(("#", "-"))
        and not line.strip().lower().startswith("modelport==")
    ]
    return {
        "name": manifest.name,
        "dependencies": [
            f"python={manifest.python_version}",
            "pip",
            {"pip": [f"modelport=={modelport.__version__}", *pinned]},
        ],
    }


def _dump(document: dict[str, Any]) -> bytes:
    return yaml.safe_dump(document, sort_keys=False).encode("utf-8")
