"""The DEEPaaS V2 convention: an installable package whose ``deepaas.v2.model`` entry points
each name a model (a module or a class offering get_metadata, warm, get_predict_args, predict,
get_train_args, train and an optional response ``schema``).

A build packages the package's files and records its entry points; serving loads every entry
point as one :class:`DeepaasServable`, answered on the DEEPaaS routes
(``modelport.serving.protocols.deepaas``). Importing this module needs no marshmallow (every
format adapter is imported for every build): the model-facing modules are imported when used.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelport.build.artifact import collect_files
from modelport.build.manifest import Manifest
from modelport.errors import BuildFailed, ConfigError
from modelport.formats.base import BuildOutput, ModelFormat, ProjectLayout
from modelport.formats.deepaas.entry_points import (
    FORMAT_NAME,
    GROUP,
    EntryPoint,
    declares_entry_points,
    project_entry_points,
)
from modelport.formats.project import default_model_name
from modelport.schema import Signature

if TYPE_CHECKING:
    from modelport.formats.deepaas.servable import DeepaasServable

ENTRY_POINTS_KEY = "deepaas_entry_points"
"""Manifest metadata: ``{entry point name: "module[:attribute]"}``."""
IMPORT_ROOT_KEY = "deepaas_import_root"
"""Manifest metadata: the package folder (relative to the sources) that goes on ``sys.path``."""
REQUIRED_METADATA = ("name", "description")


class DeepaasFormat(ModelFormat):
    """Packages declaring ``deepaas.v2.model`` entry points."""

    name = FORMAT_NAME

    def detect(self, path: Path) -> float:
        return 0.95 if path.is_dir() and declares_entry_points(path) else 0.0

    def layout(self, path: Path, *, extra_folders: tuple[str, ...] = ()) -> ProjectLayout:
        root = path.resolve()
        if not project_entry_points(root):
            raise ConfigError(
                f"{root} declares no {GROUP} entry points",
                hint=f'add [project.entry-points."{GROUP}"] to pyproject.toml '
                f"(or [entry_points] {GROUP} = name = pkg.module to setup.cfg)",
            )
        return ProjectLayout(
            root=root,
            default_name=default_model_name(root),
            sources=tuple(sorted(collect_files(root))),
            dependency_root=root,
            unit_tests=None,
        )

    def build_step(
        self, layout: ProjectLayout, out_dir: Path, *, sample: Any = None
    ) -> BuildOutput:
        from modelport.formats.deepaas.servable import DeepaasServable

        import_root = _import_root(layout.root)
        if str(layout.root / import_root) not in sys.path:
            sys.path.insert(0, str(layout.root / import_root))
        entries = project_entry_points(layout.root)
        first: dict[str, Any] = {}
        for entry in entries:
            servable = DeepaasServable(entry, entry.load())
            metadata = check_metadata(servable)
            first = first or metadata
            _ = servable.predict_arguments, servable.train_arguments, servable.response_schema
        metadata = {
            **{k: v for k, v in first.items() if isinstance(v, str | int | float)},
            ENTRY_POINTS_KEY: {e.name: e.value for e in entries},
            IMPORT_ROOT_KEY: import_root,
        }
        return BuildOutput(
            entry_point=f"{entries[0].name} = {entries[0].value}",
            signature=Signature(strict=False, free_form=True).to_dict(),
            metadata=metadata,
            version=str(first.get("version", "0.0.0")),
            notes=[f"DEEPaaS entry points: {', '.join(e.name for e in entries)}"],
        )

    def load(self, root: Path, manifest: Manifest) -> DeepaasServable:
        return self.load_all(root, manifest)[0]

    def load_all(self, root: Path, manifest: Manifest) -> list[DeepaasServable]:
        """One servable per entry point recorded in the manifest (each model object created)."""
        from modelport.formats.deepaas.servable import DeepaasServable

        package_root = (root / "src").resolve()
        source_root = (package_root / str(manifest.metadata.get(IMPORT_ROOT_KEY, "."))).resolve()
        if str(source_root) not in sys.path:
            sys.path.insert(0, str(source_root))
        entries = manifest.metadata.get(ENTRY_POINTS_KEY) or {}
        servables = []
        for name, value in sorted(entries.items()):
            entry = EntryPoint(name, value)
            servables.append(
                DeepaasServable(
                    entry, entry.load(), source_root=source_root, package_root=package_root
                )
            )
        return servables


def check_metadata(servable: DeepaasServable) -> dict[str, Any]:
    """The model's metadata, which must give a ``name`` and a ``description``."""
    metadata = servable.model_metadata()
    missing = [key for key in REQUIRED_METADATA if not metadata.get(key)]
    if missing:
        raise BuildFailed(
            f"get_metadata() of DEEPaaS model {servable.name!r} lacks {', '.join(missing)}",
            hint="return at least {'name': ..., 'description': ...} from get_metadata()",
        )
    return metadata


def _import_root(root: Path) -> str:
    """``src`` for a src-layout package, else the package folder itself."""
    entries = project_entry_points(root)
    top = entries[0].value.split(":")[0].split(".")[0].strip() if entries else ""
    if top and not (root / top).exists() and (root / "src" / top).exists():
        return "src"
    return "."
