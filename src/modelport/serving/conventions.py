"""The conventions a server serves, found through the ``modelport.formats`` entry-point group.

A convention's adapter (``formats/<name>/format.py``) is what a build detects and runs; a server
needs two things of it: loading an unpacked artifact as a Servable, and the routes its own clients
call (Truss's ``/v1/models/{name}:predict``, DEEPaaS's API, Odahu's ``/api/model/invoke``...).
:class:`ServedConvention` names those two. Adapters are loaded one at a time, by name, so a server
imports only the conventions of the models it serves, and other packages can add conventions
without changing modelport.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib.metadata import PackageNotFoundError, distribution, entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from modelport.errors import ConfigError, MissingDependency

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from modelport.artifact.manifest import Manifest
    from modelport.servable import Servable
    from modelport.serving.models import ModelSet
    from modelport.settings import Settings

__all__ = [
    "ENTRY_POINT_GROUP",
    "ExampleRequest",
    "RegisterVersion",
    "ServedConvention",
    "Services",
    "convention",
    "convention_names",
]

ENTRY_POINT_GROUP = "modelport.formats"


RegisterVersion = Callable[[str, Path], str]
"""Build a folder as a new version of the named model and register it; answers ``name:number``."""


class Services:
    """What a convention's routes may use besides the models, given by the composition root
    (``serving.launch``): no route opens files or databases of its own choosing. Where the
    root gives no home or registry, the settings' (``MODELPORT_HOME``, ``MODELPORT_REGISTRY``)
    are read when first asked for, so servers that never ask do not load the settings."""

    def __init__(
        self,
        *,
        home: Path | None = None,
        registry_uri: str | None = None,
        register_version: RegisterVersion | None = None,
    ) -> None:
        self._home = home
        self._registry_uri = registry_uri
        self.register_version = register_version
        """Set when the server may register new versions (``serve --deepaas --register``)."""

    @property
    def home(self) -> Path:
        """The modelport home: where work folders go."""
        if self._home is None:
            self._home = _settings().home
        return self._home

    @property
    def registry_uri(self) -> str:
        """The registry the server belongs to (DEEPaaS keeps its training jobs there)."""
        if self._registry_uri is None:
            self._registry_uri = _settings().resolved_registry_uri
        return self._registry_uri


@dataclass(frozen=True)
class ExampleRequest:
    """A request a served model answers with 200: what the server prints at start, as a curl
    line, for its user to paste."""

    path: str
    """From the server's root, with its query string if any."""
    body: str | None = None
    content_type: str | None = "application/json"
    method: str = "POST"


class ServedConvention(Protocol):
    """What a server needs of a convention's adapter."""

    @property
    def name(self) -> str:
        """The convention's name: its entry point's, and its models' ``source_format``."""

    def load(self, root: Path, manifest: Manifest) -> Servable:
        """A Servable for an unpacked artifact (``root`` holds its files)."""

    def routes(self, models: ModelSet, services: Services) -> list[BaseRoute]:
        """The routes of this convention's own clients, for its models among ``models`` (the
        server asks only when one is served); they go before the generic protocols'."""

    def example_request(self, servable: Servable) -> ExampleRequest | None:
        """A request ``servable`` answers on this convention's routes, shown at start; None:
        the native predict route with the model's example row (else one made up)."""


def _settings() -> Settings:
    from modelport.settings import get_settings

    return get_settings()


def convention_names() -> list[str]:
    """The names of every installed convention, sorted."""
    return sorted({entry.name for entry in entry_points(group=ENTRY_POINT_GROUP)})


@cache
def convention(name: str) -> ServedConvention:
    """The adapter of convention ``name``: the entry point of that name (only its own module is
    imported), else any whose adapter says it is ``name``."""
    named = list(entry_points(group=ENTRY_POINT_GROUP, name=name))
    others = [e for e in entry_points(group=ENTRY_POINT_GROUP) if e.name != name]
    for entry in [*named, *others]:
        adapter: ServedConvention = entry.load()()
        if adapter.name == name:
            return adapter
    raise ConfigError(
        f"unknown format {name!r}",
        hint=f"choose one of: {', '.join(convention_names())}",
    )


def require_installed(adapter: object) -> None:
    """Raise MissingDependency when a distribution the convention's code needs (its
    ``runtime_requirements``) is not installed where this process runs."""
    missing = []
    for line in getattr(adapter, "runtime_requirements", ()):
        name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", line)
        try:
            distribution(name.group(0) if name else line)
        except PackageNotFoundError:
            missing.append(line)
    if missing:
        kind = getattr(adapter, "name", type(adapter).__name__)
        raise MissingDependency(
            f"the {kind} convention needs {', '.join(missing)}, which this environment lacks",
            hint=f"rebuild the model (`modelport build`) so its environment gets them, or "
            f"install them where it is served (`pip install {' '.join(repr(m) for m in missing)}`)",
        )
