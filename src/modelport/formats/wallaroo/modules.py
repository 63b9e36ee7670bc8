"""Importing a user's Python file as a module of its own.

Wallaroo imports every python step as ``custom_step`` and every BYOP file as
``custom_inference``. Here each import gets that name plus a number of its own
(``custom_step_3``), so that several steps and BYOP models loaded in one process (a pipeline, or
a server of many models) never replace one another in ``sys.modules``: whatever looks a step's
module up by name (pickle, ``typing.get_type_hints`` on its classes, dataclasses) finds its own.

A module importing a package the model's environment lacks is refused naming the package and
where to declare it (``Declare``: a lone ``.py`` step has nowhere to, a zip its requirements.txt).
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from modelport.errors import ConfigError
from modelport.formats.wallaroo.mac_modules import ensure_mac_importable

_NUMBERS = itertools.count(1)

Declare = Callable[[str], str]
"""The hint for a missing package, given the distribution to install (``scikit-learn``)."""

DISTRIBUTIONS = {
    "PIL": "pillow",
    "bs4": "beautifulsoup4",
    "cv2": "opencv-python",
    "skimage": "scikit-image",
    "sklearn": "scikit-learn",
    "yaml": "PyYAML",
}
"""Import names whose distribution on PyPI is named otherwise."""


def in_requirements(distribution: str) -> str:
    """The hint for an upload that has a requirements.txt of its own (a zip)."""
    return (
        f"name {distribution} in the requirements.txt at the top of the zip's folder: it builds "
        "the model's environment (with --env inherit, install it into the current interpreter)"
    )


def import_file(path: Path, prefix: str, *, declare: Declare = in_requirements) -> ModuleType:
    """Run ``path`` as a new module named ``<prefix>_<n>`` (registered in ``sys.modules``)."""
    ensure_mac_importable()
    module_name = f"{prefix}_{next(_NUMBERS)}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"{path} cannot be imported as Python", field=path.name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except ModuleNotFoundError as exc:
        sys.modules.pop(module_name, None)
        if not exc.name:
            raise _failed(path, exc) from exc
        package = exc.name.split(".")[0]
        raise ConfigError(
            f"{path.name} imports {package}, which the model's environment does not have",
            hint=declare(DISTRIBUTIONS.get(package, package)),
            field=path.name,
        ) from exc
    except Exception as exc:
        sys.modules.pop(module_name, None)
        raise _failed(path, exc) from exc
    return module


def importable_folder(folder: Path) -> None:
    """Put ``folder`` first on ``sys.path``: an upload's modules import one another by name."""
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))


def _failed(path: Path, exc: Exception) -> ConfigError:
    return ConfigError(
        f"importing {path.name} raised {type(exc).__name__}: {exc}",
        hint="fix the module so that it imports on its own",
        field=path.name,
    )
