"""The model registry: workspaces, models, versions, aliases and tags, plus their artifacts.

Get a store with :func:`open_store`; every backend implements :class:`RegistryStore`.

The names below are imported from their modules on first use (``__getattr__``, as the
``modelport`` package's own), not with the package: ``modelport serve NAME`` reads one SQLite
row through ``registry.sql.lookup``, and importing the store and its entities with the package
took about 10 ms of each such command.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modelport.registry.entities import (
        DEFAULT_WORKSPACE,
        Alias,
        AliasChange,
        Model,
        ModelVersion,
        Page,
        Workspace,
    )
    from modelport.registry.refs import Ref, parse_ref
    from modelport.registry.store import RegistryStore
    from modelport.registry.uris import open_store

_HOMES = {
    **dict.fromkeys(
        ("DEFAULT_WORKSPACE", "Alias", "AliasChange", "Model", "ModelVersion", "Page", "Workspace"),
        "modelport.registry.entities",
    ),
    "Ref": "modelport.registry.refs",
    "parse_ref": "modelport.registry.refs",
    "RegistryStore": "modelport.registry.store",
    "open_store": "modelport.registry.uris",
}

__all__ = [
    "DEFAULT_WORKSPACE",
    "Alias",
    "AliasChange",
    "Model",
    "ModelVersion",
    "Page",
    "Ref",
    "RegistryStore",
    "Workspace",
    "open_store",
    "parse_ref",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'modelport.registry' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # found once; later lookups are ordinary attribute reads
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
