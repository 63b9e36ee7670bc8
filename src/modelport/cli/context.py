"""What every command shares: settings, the registry store (opened on first use), output mode."""

from __future__ import annotations

from dataclasses import dataclass, field

from modelport.registry.store import RegistryStore
from modelport.registry.uris import open_store
from modelport.settings import Settings, get_settings


@dataclass
class CliState:
    debug: bool = False
    registry_uri: str | None = None
    settings: Settings = field(default_factory=get_settings)
    _store: RegistryStore | None = None

    @property
    def store(self) -> RegistryStore:
        if self._store is None:
            self._store = open_store(self.registry_uri, settings=self.settings)
        return self._store


STATE = CliState()
"""The one state of a CLI invocation (set by the top-level callback)."""
