"""The Odahu adapter: OMAF artifacts (a ZIP, a directory or a .tgz) whose ``binaries.type`` is
``python`` (the GPPI). ``java`` (the GJPI) artifacts are read and validated but not built: the
spec names that interface without defining it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.requirements import Requirement

from modelport.artifact.manifest import MANIFEST_NAME, Manifest
from modelport.artifact.sources import collect_files
from modelport.dependencies import Dependencies, DependencyFile
from modelport.errors import ConfigError, NotFound
from modelport.formats.base import NO_OPTIONS, BuildOutput, ModelFormat, ProjectLayout
from modelport.formats.odahu.archive import archive_names, holds_manifest, is_archive, unpack
from modelport.formats.odahu.gppi import load_gppi
from modelport.formats.odahu.manifest import (
    MANIFEST_NAMES,
    OdahuManifest,
    find_manifest,
    read_manifest,
)
from modelport.formats.odahu.servable import OdahuServable
from modelport.schema import Signature
from modelport.settings import get_settings

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from modelport.serving.conventions import Services
    from modelport.serving.models import ModelSet

SOURCES = "src"
"""Where the artifact's own files sit inside the modelport artifact."""


class OdahuFormat(ModelFormat):
    """OMAF artifacts with a GPPI entrypoint."""

    name = "odahu"

    def detect(self, path: Path) -> float:
        if path.is_dir():
            return 0.95 if find_manifest(path) else 0.0
        if not is_archive(path):
            return 0.0
        names = archive_names(path)
        if holds_manifest(names):
            return 0.95
        # an archive that is not a modelport artifact: say what an OMAF one lacks
        return 0.0 if MANIFEST_NAME in names else 0.01

    def layout(self, path: Path, *, extra_folders: tuple[str, ...] = ()) -> ProjectLayout:
        root, manifest = read_artifact(path)
        if manifest.binary_type == "java":
            raise ConfigError(
                f"{manifest.file_name}: binaries.type java (the GJPI) is not supported: the OMAF "
                "spec names the General Java Prediction Interface without defining it, so there "
                "is no interface to call",
                hint="modelport.formats.odahu.read_artifact() still reads the artifact for "
                "inspection; package the model with a Python (GPPI) entrypoint to serve it",
                field="binaries.type",
            )
        dependency_file = _conda_file(root, manifest)
        dependency_file.read()  # a conda-only package is named now, whichever --env is used
        return ProjectLayout(
            root=root,
            default_name=manifest.name.lower(),
            sources=tuple(sorted(collect_files(root))),
            dependency_root=root,
            dependency_file=dependency_file,
        )

    def build_step(
        self,
        layout: ProjectLayout,
        out_dir: Path,
        *,
        sample: Any = None,
        options: Mapping[str, str] = NO_OPTIONS,
    ) -> BuildOutput:
        manifest = _manifest_of(layout.root)
        model = load_gppi(layout.root, manifest)
        info = model.info()
        notes = [f"GPPI entrypoint {manifest.entrypoint}: {model.mode} mode"]
        if not info.described:
            notes.append("the entrypoint has no get_info() or info(): inputs are not validated")
        metadata = manifest.metadata()
        metadata["odahu"]["prediction_mode"] = model.mode
        metadata["odahu"]["input_example"] = info.example
        return BuildOutput(
            entry_point=f"{manifest.work_dir}:{manifest.entrypoint}",
            signature=info.signature.to_dict(),
            metadata=metadata,
            version=manifest.version,
            notes=notes,
        )

    def load(self, root: Path, manifest: Manifest) -> OdahuServable:
        sources = root / SOURCES
        odahu = manifest.metadata.get("odahu", {})
        return OdahuServable(
            sources,
            _manifest_of(sources),
            name=manifest.name,
            signature=Signature.from_dict(manifest.signature),
            metadata=dict(manifest.metadata),
            example=odahu.get("input_example"),
        )

    def routes(self, models: ModelSet, services: Services) -> list[BaseRoute]:
        from modelport.formats.odahu.routes import odahu_routes

        return odahu_routes(models)


def read_artifact(path: Path) -> tuple[Path, OdahuManifest]:
    """The folder holding an OMAF artifact's files (archives are unpacked into the modelport
    home, once per content) and its validated manifest. Java artifacts are read too."""
    if not path.exists():
        raise NotFound(f"{path} does not exist", hint="give an OMAF .zip, .tgz or folder")
    root = path.resolve()
    if not root.is_dir():
        settings = get_settings()
        root = unpack(root, settings.home / "odahu", max_bytes=settings.max_artifact_bytes)
        children = [child for child in root.iterdir() if child.is_dir()]
        if find_manifest(root) is None and len(children) == 1 and find_manifest(children[0]):
            root = children[0]
    return root, _manifest_of(root, shown=path.name)


def _manifest_of(root: Path, *, shown: str | None = None) -> OdahuManifest:
    found = find_manifest(root)
    if found is None:
        raise ConfigError(
            f"{shown or root} has no {MANIFEST_NAMES[0]} (nor {MANIFEST_NAMES[1]}) at its root",
            hint="an OMAF artifact starts with that manifest; see `Coming from Odahu` in the "
            "README",
            field=MANIFEST_NAMES[0],
        )
    return read_manifest(found)


def _conda_file(root: Path, manifest: OdahuManifest) -> DependencyFile:
    assert manifest.conda_path is not None
    path = root / manifest.conda_path
    if not path.is_file():
        raise ConfigError(
            f"{manifest.file_name}: binaries.conda_path {manifest.conda_path!r} is not a file of "
            "the artifact",
            hint="give the conda environment file's path from the artifact root",
            field="binaries.conda_path",
        )
    return CondaFile("conda", path)


@dataclass(frozen=True)
class CondaFile(DependencyFile):
    """The artifact's conda file, less any ``modelport`` requirement (an exported model's file
    asks for it; modelport puts itself into every environment it builds)."""

    def read(self) -> Dependencies:
        found = super().read()
        kept = tuple(r for r in found.requirements if Requirement(r).name.lower() != "modelport")
        return replace(found, requirements=kept)
