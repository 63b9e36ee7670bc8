"""The model registry: workspaces, models, versions, aliases and tags, plus their artifacts.

Get a store with :func:`open_store`; every backend implements :class:`RegistryStore`.
"""

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
