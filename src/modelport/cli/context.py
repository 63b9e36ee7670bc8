"""What every command shares: settings, the registry store (opened on first use), output mode."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from modelport.settings import Settings, get_settings

if TYPE_CHECKING:
    from modelport.registry.store import RegistryStore
    from modelport.serving.conventions import RegisterVersion, Services


@dataclass
class CliState:
    debug: bool = False
    registry_uri: str | None = None
    blobs_uri: str | None = None
    _settings: Settings | None = None
    _store: RegistryStore | None = None

    def begin(self, *, debug: bool, registry_uri: str | None, blobs_uri: str | None = None) -> None:
        """Start an invocation: its options, the settings read afresh, no store opened yet (so
        invocations in one process, as in tests, never share a registry by accident)."""
        if self._store is not None:
            self._store.close()
        self.debug = debug
        self.registry_uri = registry_uri
        self.blobs_uri = blobs_uri
        self._settings = None
        self._store = None

    def use_registry(self, registry_uri: str | None) -> None:
        """Use ``registry_uri`` (a command's own ``--registry``) when given, over the global
        option; before the command opens the store."""
        if registry_uri is not None:
            if self._store is not None:
                self._store.close()
                self._store = None
            self.registry_uri = registry_uri

    @property
    def settings(self) -> Settings:
        """Read on first use, inside the command, so a bad setting is an error like any other;
        ``--blobs`` overrides the setting it names."""
        if self._settings is None:
            settings = get_settings()
            if self.blobs_uri:
                settings = dataclasses.replace(settings, blobs_uri=self.blobs_uri)
            self._settings = settings
        return self._settings

    @property
    def resolved_registry_uri(self) -> str:
        """The registry this invocation uses (``--registry``, else the settings')."""
        return self.registry_uri or self.settings.resolved_registry_uri

    def services(self, register_version: RegisterVersion | None = None) -> Services:
        """What a server started by this invocation gives the conventions' routes."""
        from modelport.serving.conventions import Services

        return Services(
            home=self.settings.home,
            registry_uri=self.resolved_registry_uri,
            register_version=register_version,
        )

    @property
    def store(self) -> RegistryStore:
        if self._store is None:
            from modelport.registry.uris import open_store  # commands that open none skip it

            self._store = open_store(self.registry_uri, settings=self.settings)
        return self._store


STATE = CliState()
"""The one state of a CLI invocation (set by the top-level callback)."""
