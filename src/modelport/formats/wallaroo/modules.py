"""Importing a user's Python file under the module name Wallaroo gives it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from modelport.errors import ConfigError
from modelport.formats.wallaroo.mac_modules import ensure_mac_importable


def import_file(path: Path, module_name: str) -> ModuleType:
    """Run ``path`` as the module ``module_name`` (registered in ``sys.modules``)."""
    ensure_mac_importable()
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
