"""The model registry: workspaces, models, versions, aliases and tags, plus their artifacts.

Get a store with :func:`open_store`; every backend implements :class:`RegistryStore`.

The names below are imported from their modules on first use (``__getattr__``, as the
``modelport`` package's own), not with the package: ``modelport serve NAME`` reads one SQLite
row through ``registry.sql.lookup``, and importing the store and its entities with the package
took about 10 ms of each such command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelport._lazy_names import lazy_names

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


__getattr__, __dir__ = lazy_names(__name__, _HOMES, __all__)
del lazy_names  # not one of the package's names
