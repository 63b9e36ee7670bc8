"""Importing a user's Python file as a module of its own.

Wallaroo imports every python step as ``custom_step`` and every BYOP file as
``custom_inference``. Here each import gets that name plus a number of its own
(``custom_step_3``), so that several steps and BYOP models loaded in one process (a pipeline, or
a server of many models) never replace one another in ``sys.modules``: whatever looks a step's
module up by name (pickle, ``typing.get_type_hints`` on its classes, dataclasses) finds its own.
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path
from types import ModuleType

from modelport.errors import ConfigError
from modelport.formats.wallaroo.mac_modules import ensure_mac_importable

_NUMBERS = itertools.count(1)


def import_file(path: Path, prefix: str) -> ModuleType:
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
    except Exception as exc:
        sys.modules.pop(module_name, None)
        raise ConfigError(
            f"importing {path.name} raised {type(exc).__name__}: {exc}",
            hint="fix the module so that it imports on its own",
            field=path.name,
        ) from exc
    return module
