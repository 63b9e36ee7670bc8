"""The Qwak convention's adapter: detection, layout, build step (``build()`` run with the project
root as working directory, the built instance pickled), loading and routes. The package docstring
draws the project layout."""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelport.artifact.manifest import Manifest
from modelport.artifact.sources import collect_files
from modelport.errors import BuildFailed, ConfigError
from modelport.formats.base import NO_OPTIONS, BuildOutput, ModelFormat, ProjectLayout
from modelport.formats.instances import INSTANCE_FILE, load_instance
from modelport.formats.project import collect_sources, default_model_name
from modelport.formats.qwak import logged
from modelport.formats.qwak.api import PredictCall
from modelport.formats.qwak.model_class import PACKAGE, find_model
from modelport.formats.qwak.pickling import pickle_model
from modelport.formats.qwak.schema import signature_of
from modelport.formats.qwak.sdk import install_path_file, use_compat_sdk
from modelport.formats.qwak.servable import FORMAT_NAME, QwakServable
from modelport.schema import Signature

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from modelport.serving.conventions import Services
    from modelport.serving.models import ModelSet

TEST_PLUGIN = "modelport.formats.qwak.pytest_sdk"
SDK_DISTRIBUTIONS = ("qwak-sdk", "qwak-core", "frogml", "frogml-core", "frogml-sdk")
"""Injected by the platform at build time (the spec: no need to list them); here the
compatibility modules stand in, so a dependency file naming them does not install them."""
_IMPORTS_SDK = re.compile(r"^\s*(from|import)\s+(qwak|frogml)\b", re.MULTILINE)


class QwakFormat(ModelFormat):
    """Projects written for Qwak / JFrog ML."""

    name = FORMAT_NAME

    def detect(self, path: Path) -> float:
        package = path / PACKAGE
        if not (package / "__init__.py").is_file():
            return 0.0
        for source in package.glob("*.py"):
            if _IMPORTS_SDK.search(source.read_text(errors="replace")):
                return 0.95
        return 0.0  # a project whose main/ never names the SDK: `--convention qwak`

    def layout(self, path: Path, *, extra_folders: tuple[str, ...] = ()) -> ProjectLayout:
        root = path.resolve()
        if not (root / PACKAGE / "__init__.py").is_file():
            raise ConfigError(
                f"{root} has no {PACKAGE}/__init__.py",
                hint="a Qwak project keeps its model in main/ (main/__init__.py imports it)",
                field=f"{PACKAGE}/__init__.py",
            )
        inside = [f for f in extra_folders if _inside(root, f)]
        outside = [Path(f) for f in extra_folders if not _inside(root, f)]
        folders = [PACKAGE, "tests", *(_relative_folder(root, f) for f in inside)]
        sources = collect_sources(root, folders)
        return ProjectLayout(
            root=root,
            default_name=default_model_name(root),
            sources=sources,
            external_sources=_external_sources(outside, taken=set(sources)),
            dependency_root=root,
            unit_tests="tests/ut" if (root / "tests" / "ut").is_dir() else None,
            integration_tests="tests/it" if (root / "tests" / "it").is_dir() else None,
            integration_tests_at_build=True,
            test_plugins=(TEST_PLUGIN,),
            provided_packages=SDK_DISTRIBUTIONS,
        )

    def build_step(
        self,
        layout: ProjectLayout,
        out_dir: Path,
        *,
        sample: Any = None,
        options: Mapping[str, str] = NO_OPTIONS,
    ) -> BuildOutput:
        use_compat_sdk()
        install_path_file()  # the project's own scripts import qwak in this environment too
        if str(layout.root) not in sys.path:
            sys.path.insert(0, str(layout.root))
        instance, entry_point = find_model(importlib.import_module(PACKAGE))
        cls = type(instance).__name__
        try:
            instance.build()
        except Exception as exc:
            raise BuildFailed(
                f"{cls}.build() raised {type(exc).__name__}: {exc}",
                hint="fix build() and run the build again (--debug shows the traceback); "
                "it runs with the project folder as working directory",
            ) from exc
        PredictCall.of(instance.predict)  # refuse unsupported @qwak.api adapters now
        instance_path = out_dir / "instance.pkl"
        instance_path.write_bytes(pickle_model(instance))

        schema = getattr(instance, "schema", None)
        signature = signature_of(schema() if callable(schema) else None)
        notes = []
        if signature.free_form:
            notes.append("schema() returned nothing: request columns are passed on unchecked")
        record = logged.logged()
        return BuildOutput(
            entry_point=entry_point,
            signature=signature.to_dict(),
            metadata={"qwak_class": f"{type(instance).__module__}.{cls}"},
            files={INSTANCE_FILE: str(instance_path)},
            notes=notes,
            record={"logged": record} if record else {},
        )

    def load(self, root: Path, manifest: Manifest) -> QwakServable:
        use_compat_sdk()
        return QwakServable(
            load_instance(root),
            name=manifest.name,
            signature=Signature.from_dict(manifest.signature),
            metadata=dict(manifest.metadata),
        )

    def routes(self, models: ModelSet, services: Services) -> list[BaseRoute]:
        from modelport.formats.qwak.routes import qwak_routes

        return qwak_routes(models)


def _inside(root: Path, folder: str) -> bool:
    path = Path(folder)
    return not path.is_absolute() or path.resolve().is_relative_to(root)


def _relative_folder(root: Path, folder: str) -> str:
    """An extra folder's name relative to the project (``./data/`` -> ``data``)."""
    path = Path(folder)
    if path.is_absolute():
        return path.resolve().relative_to(root).as_posix()
    return path.as_posix().removeprefix("./").rstrip("/") or "."


def _external_sources(folders: list[Path], *, taken: set[str]) -> dict[str, Path]:
    """The files of extra folders outside the project, named by their whole path (``/data/x``
    is packaged as ``data/x``, beside ``main/``)."""
    found: dict[str, Path] = {}
    for folder in folders:
        if not folder.is_dir():
            raise ConfigError(
                f"extra folder {folder} does not exist",
                hint="name a folder beside main/, or an existing folder by its absolute path",
                field="--dependency-required-folders",
            )
        anchor = Path(folder.resolve().anchor)
        for name, path in collect_files(folder.resolve(), base=anchor).items():
            if name in taken:
                raise ConfigError(
                    f"extra folder {folder} holds {name}, which the project also has",
                    hint="rename one of them",
                    field="--dependency-required-folders",
                )
            found[name] = path
    return found
