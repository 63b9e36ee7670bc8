"""The DEEPaaS convention's adapter: detection, layout, build step (the package installed into the
model's environment, one model registered per entry point), loading and routes; see the package
docstring. Importing this module needs no marshmallow (every format adapter is imported for every
build): the model-facing modules are imported when used."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from modelport.artifact.manifest import Manifest
from modelport.artifact.sources import collect_files
from modelport.errors import ConfigError
from modelport.formats.base import NO_OPTIONS, BuildOutput, ModelFormat, ProjectLayout
from modelport.formats.deepaas.entry_points import (
    FORMAT_NAME,
    GROUP,
    EntryPoint,
    declares_entry_points,
    model_name,
    project_entry_points,
)
from modelport.schema import Signature
from modelport.servable import Servable
from modelport.serving.conventions import ExampleRequest

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from modelport.formats.deepaas.servable import DeepaasServable
    from modelport.serving.conventions import Services
    from modelport.serving.models import ModelSet

ENTRY_POINTS_KEY = "deepaas_entry_points"
"""Manifest metadata: ``{entry point name: "module[:attribute]"}``."""
IMPORT_ROOT_KEY = "deepaas_import_root"
"""Manifest metadata: the package folder (relative to the sources) that goes on ``sys.path``."""


class DeepaasFormat(ModelFormat):
    """Packages declaring ``deepaas.v2.model`` entry points."""

    name = FORMAT_NAME
    runtime_requirements = (
        "webargs",  # the arguments (any version: packages written for DEEPaaS 2 pin webargs 5)
        "marshmallow",
        "sqlalchemy",  # training jobs are kept in the registry database (training_store.py)
        "alembic",
        "uv",  # the build step installs the package; `serve --deepaas --register` builds
        "typer",  # `serve --deepaas` is the command, run again in the model's environment
        "rich",
    )

    def detect(self, path: Path) -> float:
        return 0.95 if path.is_dir() and declares_entry_points(path) else 0.0

    def layout(self, path: Path, *, extra_folders: tuple[str, ...] = ()) -> ProjectLayout:
        root = path.resolve()
        entries = project_entry_points(root)
        if not entries:
            raise ConfigError(
                f"{root} declares no {GROUP} entry points",
                hint=f'add [project.entry-points."{GROUP}"] to pyproject.toml '
                f"(or [entry_points] {GROUP} = name = pkg.module to setup.cfg)",
            )
        return ProjectLayout(
            root=root,
            default_name=model_name(entries[0].name),
            sources=tuple(sorted(collect_files(root))),
            dependency_root=root,
            unit_tests=None,
        )

    def build_step(
        self,
        layout: ProjectLayout,
        out_dir: Path,
        *,
        sample: Any = None,
        options: Mapping[str, str] = NO_OPTIONS,
    ) -> BuildOutput:
        from modelport.formats.deepaas.install import in_model_environment, install_package
        from modelport.formats.deepaas.servable import DeepaasServable

        if in_model_environment():
            install_package(layout.root, layout.sources)
        import_root = _import_root(layout.root)
        if str(layout.root / import_root) not in sys.path:
            sys.path.insert(0, str(layout.root / import_root))
        entries = project_entry_points(layout.root)
        described = []
        for entry in entries:
            servable = DeepaasServable(entry, entry.load())
            described.append(servable.model_metadata())  # any dict: DEEPaaS requires no key
            _ = servable.predict_arguments, servable.train_arguments, servable.response_schema
        first = described[0]
        metadata = {
            **registry_metadata(first),
            ENTRY_POINTS_KEY: {e.name: e.value for e in entries},
            IMPORT_ROOT_KEY: import_root,
        }
        models = {model_name(e.name): f"{e.name} = {e.value}" for e in entries}
        if len(models) < len(entries):
            raise ConfigError(
                f"the entry points {', '.join(e.name for e in entries)} give clashing model names",
                hint="name DEEPaaS entry points so they differ in more than case and punctuation",
            )
        return BuildOutput(
            entry_point=f"{entries[0].name} = {entries[0].value}",
            models=models,
            signature=Signature(strict=False, free_form=True).to_dict(),
            metadata=metadata,
            version=str(first.get("version") or "0.0.0"),
            notes=[f"DEEPaaS entry points: {', '.join(e.name for e in entries)}"],
        )

    def load(self, root: Path, manifest: Manifest) -> DeepaasServable:
        """The model of the entry point the artifact was registered for (its object created).

        The artifact's sources go first on ``sys.path``: each version serves its own code even
        where the environment has another build of the package installed."""
        from modelport.formats.deepaas.servable import DeepaasServable

        package_root = (root / "src").resolve()
        source_root = (package_root / str(manifest.metadata.get(IMPORT_ROOT_KEY, "."))).resolve()
        if str(source_root) not in sys.path:
            sys.path.insert(0, str(source_root))
        name, _, value = manifest.entry_point.partition("=")
        entry = EntryPoint(name.strip(), value.strip())
        return DeepaasServable(
            entry, entry.load(), source_root=source_root, package_root=package_root
        )

    def routes(self, models: ModelSet, services: Services) -> list[BaseRoute]:
        from modelport.formats.deepaas.routes import deepaas_routes

        return deepaas_routes(models, services)

    def example_request(self, servable: Servable) -> ExampleRequest | None:
        """DEEPaaS's ``POST /v2/models/{name}/predict/`` with a made-up value for each
        required argument (a required file cannot be made up: see the API at ``/api``)."""
        from modelport.formats.deepaas.servable import DeepaasServable

        if not isinstance(servable, DeepaasServable):
            return None
        path = f"/v2/models/{quote(servable.name, safe='')}/predict/"
        try:
            query = servable.predict_arguments.example_query()
        except Exception:  # get_predict_args() fails: the predict route says why, not this
            query = ""
        return ExampleRequest(f"{path}?{query}" if query else path)


def registry_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """The plain values of what ``get_metadata()`` returned, kept in the manifest; a package
    describing itself as its distribution does (``summary``, as the DEEP cookiecutter's
    metadata read from ``PKG-INFO``) gives the registry its description from that."""
    kept = {k: v for k, v in metadata.items() if isinstance(v, str | int | float)}
    if not kept.get("description") and isinstance(kept.get("summary"), str):
        kept["description"] = kept["summary"]
    return kept


def _import_root(root: Path) -> str:
    """``src`` for a src-layout package, else the package folder itself."""
    entries = project_entry_points(root)
    top = entries[0].value.split(":")[0].split(".")[0].strip() if entries else ""
    if top and not (root / top).exists() and (root / "src" / top).exists():
        return "src"
    return "."
