"""The native convention: a ``main/`` package holding a subclass of ``modelport.Model``.

Layout (what ``modelport init`` scaffolds)::

    main/__init__.py     imports the model class (or defines load_model())
    main/model.py        class IrisClassifier(modelport.Model)
    main/requirements.txt (or pyproject.toml, conda.yml: exactly one)
    tests/ut/            run at build time; a failure fails the build
    tests/it/            run against a served instance (the real_time_client fixture)
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import cloudpickle

from modelport.artifact.manifest import Manifest
from modelport.errors import BuildFailed, ConfigError
from modelport.formats.base import NO_OPTIONS, BuildOutput, ModelFormat, ProjectLayout
from modelport.formats.instances import INSTANCE_FILE, load_instance
from modelport.formats.native.dataframes import asks_for_dataframes
from modelport.formats.native.python_model import PythonModelServable, normalise_signature
from modelport.formats.project import collect_sources, default_model_name
from modelport.model import Model
from modelport.schema import Signature
from modelport.schema_inference import infer_signature

PACKAGE = "main"
_IMPORTS_MODELPORT = re.compile(r"^\s*(from\s+modelport\b|import\s+modelport\b)", re.MULTILINE)


class NativeFormat(ModelFormat):
    """Projects written to modelport's own convention."""

    name = "native"

    def detect(self, path: Path) -> float:
        package = path / PACKAGE
        if not (package / "__init__.py").is_file():
            return 0.0
        for source in package.glob("*.py"):
            if _IMPORTS_MODELPORT.search(source.read_text(errors="replace")):
                return 0.9
        return 0.1

    def layout(self, path: Path, *, extra_folders: tuple[str, ...] = ()) -> ProjectLayout:
        root = path.resolve()
        if not (root / PACKAGE / "__init__.py").is_file():
            raise ConfigError(
                f"{root} has no {PACKAGE}/__init__.py",
                hint="put the model class in main/model.py and import it in main/__init__.py "
                "(`modelport init NAME` scaffolds a project)",
            )
        folders = [PACKAGE, "tests", *extra_folders]
        sources = collect_sources(root, folders)
        return ProjectLayout(
            root=root,
            default_name=default_model_name(root),
            sources=sources,
            needs_pandas=asks_for_dataframes(root, sources),
            dependency_root=root,
            unit_tests="tests/ut" if (root / "tests" / "ut").is_dir() else None,
            integration_tests="tests/it" if (root / "tests" / "it").is_dir() else None,
        )

    def build_step(
        self,
        layout: ProjectLayout,
        out_dir: Path,
        *,
        sample: Any = None,
        options: Mapping[str, str] = NO_OPTIONS,
    ) -> BuildOutput:
        if str(layout.root) not in sys.path:
            sys.path.insert(0, str(layout.root))
        package = importlib.import_module(PACKAGE)
        instance, entry_point = find_model(package)
        try:
            instance.build()
        except Exception as exc:
            raise BuildFailed(
                f"{type(instance).__name__}.build() raised {type(exc).__name__}: {exc}",
                hint="fix build() and run the build again (--debug shows the traceback)",
            ) from exc
        instance_path = out_dir / "instance.pkl"
        instance_path.write_bytes(cloudpickle.dumps(instance))

        notes: list[str] = []
        declared = instance.schema()
        servable = PythonModelServable(instance, name=layout.default_name)
        example = sample if sample is not None else instance.input_example()
        if declared is not None:
            signature = normalise_signature(declared)
        elif example is not None:
            servable.load()
            output = servable.predict_python(example)
            signature = infer_signature(example, output)
            notes.append(
                "schema() is absent: inferred the signature from the sample input "
                f"({', '.join(f.name for f in signature.inputs)})"
            )
        else:
            signature = normalise_signature(None)
            notes.append(
                "schema() is absent and there is no sample input: inputs are not validated "
                "(define schema(), input_example(), or pass --sample)"
            )
        metadata = dict(instance.metadata())
        return BuildOutput(
            entry_point=entry_point,
            signature=signature.to_dict(),
            metadata=metadata,
            version=str(metadata.get("version", "0.0.0")),
            files={INSTANCE_FILE: str(instance_path)},
            notes=notes,
        )

    def load(self, root: Path, manifest: Manifest) -> PythonModelServable:
        return PythonModelServable(
            load_instance(root),
            name=manifest.name,
            signature=Signature.from_dict(manifest.signature),
            metadata=dict(manifest.metadata),
        )


def find_model(package: Any) -> tuple[Any, str]:
    """The model instance a ``main`` package offers, and the entry point that names it."""
    loader = getattr(package, "load_model", None)
    if callable(loader):
        made = loader()
        instance = made() if inspect.isclass(made) else made
        if not hasattr(instance, "predict"):
            raise ConfigError(
                f"main.load_model() returned {type(instance).__name__}, which has no predict()",
                hint="return an instance (or the class) of your modelport.Model subclass",
            )
        return instance, f"{PACKAGE}:load_model"
    classes = _model_classes(package)
    if not classes:
        model_module = Path(package.__file__).parent / "model.py"
        if model_module.is_file():
            classes = _model_classes(importlib.import_module(f"{PACKAGE}.model"))
    if not classes:
        raise ConfigError(
            "no model class found in main/",
            hint="define a subclass of modelport.Model and import it in main/__init__.py, "
            "or define main.load_model()",
        )
    if len(classes) > 1:
        names = ", ".join(sorted(c.__name__ for c in classes))
        raise ConfigError(
            f"several model classes found in main/: {names}",
            hint="import only one in main/__init__.py, or define main.load_model() to choose",
        )
    cls = classes[0]
    if "predict" not in _own_attributes(cls):
        raise ConfigError(
            f"{cls.__name__} has no predict() method",
            hint="define predict(self, batch) returning one answer per input row",
        )
    return cls(), f"{PACKAGE}:{cls.__name__}"


def _model_classes(module: Any) -> list[type[Model]]:
    found = {
        value
        for value in vars(module).values()
        if inspect.isclass(value) and issubclass(value, Model) and value is not Model
    }
    return sorted(found, key=lambda c: c.__name__)


def _own_attributes(cls: type) -> set[str]:
    names: set[str] = set()
    for klass in cls.__mro__:
        if klass in (Model, object):
            continue
        names.update(vars(klass))
    return names
