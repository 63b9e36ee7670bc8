"""Finding the model a Qwak project's ``main`` package offers, without importing the SDK's names:
``load_model()`` in ``main`` or ``main.model`` (an instance or a class: the spec's way to use a
model class from an installed package), else the one subclass of ``QwakModel`` (also the older
``QwakModelInterface`` and the renamed SDK's ``FrogMlModel``) in ``main`` or ``main.model``."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import Any

from modelport.errors import ConfigError

PACKAGE = "main"
BASE_NAMES = frozenset({"QwakModel", "QwakModelInterface", "FrogMlModel"})
SDK_MODULES = ("qwak", "frogml")


def find_model(package: Any) -> tuple[Any, str]:
    """The instance to build, and the entry point naming where it came from."""
    model_module = None
    if (Path(package.__file__).parent / "model.py").is_file():
        model_module = importlib.import_module(f"{PACKAGE}.model")
    for module in (package, model_module):
        loader = getattr(module, "load_model", None)
        if module is not None and callable(loader):
            return _loaded(loader, f"{module.__name__}:load_model")
    classes = model_classes(package)
    if not classes and model_module is not None:
        classes = model_classes(model_module)
    if not classes:
        raise ConfigError(
            "no model class found in main/",
            hint="define a subclass of qwak.model.base.QwakModel in main/model.py and import it "
            "in main/__init__.py (from .model import MyModel), or define main.load_model()",
            field="main/__init__.py",
        )
    if len(classes) > 1:
        names = ", ".join(c.__name__ for c in classes)
        raise ConfigError(
            f"several model classes found in main/: {names}",
            hint="import only one in main/__init__.py, or define main.load_model() to choose",
            field="main/__init__.py",
        )
    return classes[0](), f"{PACKAGE}:{classes[0].__name__}"


def _loaded(loader: Any, entry_point: str) -> tuple[Any, str]:
    """What ``load_model()`` returned (a class is instantiated)."""
    made = loader()
    instance = made() if inspect.isclass(made) else made
    if not callable(getattr(instance, "predict", None)):
        raise ConfigError(
            f"{entry_point}() returned {type(instance).__name__}, which has no predict()",
            hint="return an instance (or the class) of your QwakModel subclass",
            field=entry_point,
        )
    return instance, entry_point


def model_classes(module: Any) -> list[type]:
    """The concrete Qwak model classes a module holds (sorted by name)."""
    found = {
        value
        for value in vars(module).values()
        if inspect.isclass(value) and is_model_class(value) and not _is_sdk_class(value)
    }
    return sorted(found, key=lambda c: c.__name__)


def is_model_class(cls: type) -> bool:
    return any(
        base.__name__ in BASE_NAMES and _is_sdk_class(base) for base in inspect.getmro(cls)[1:]
    )


def _is_sdk_class(cls: type) -> bool:
    return cls.__module__.split(".")[0] in SDK_MODULES
