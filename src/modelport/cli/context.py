"""What every command shares: settings, the registry store (opened on first use), output mode."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from modelport.registry.store import RegistryStore
from modelport.registry.uris import open_store
from modelport.settings import Settings, get_settings

if TYPE_CHECKING:
    from modelport.serving.conventions import RegisterVersion, Services


@dataclass
class CliState:
    debug: bool = False
    registry_uri: str | None = None
    _settings: Settings | None = None
    _store: RegistryStore | None = None

    def begin(self, *, debug: bool, registry_uri: str | None) -> None:
        """Start an invocation: its options, the settings read afresh, no store opened yet (so
        invocations in one process, as in tests, never share a registry by accident)."""
        if self._store is not None:
            self._store.close()
        self.debug = debug
        self.registry_uri = registry_uri
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
        """Read on first use, inside the command, so a bad setting is an error like any other."""
        if self._settings is None:
            self._settings = get_settings()
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
            self._store = open_store(self.registry_uri, settings=self.settings)
            _show_transfers(self._store)
        return self._store


def _show_transfers(store: RegistryStore) -> None:
    """Give a remote registry's store a progress bar for its uploads and downloads (looked up
    among the loaded modules: a local registry's command never imports the HTTP client)."""
    rest = sys.modules.get("modelport.registry.rest.store")
    if rest is not None and isinstance(store, rest.RestRegistryStore):
        from rich.console import Console

        from modelport.cli.progress import transfer_bar

        console = Console(stderr=True)
        store.transfers = lambda what, total: transfer_bar(console, what, total)


STATE = CliState()
"""The one state of a CLI invocation (set by the top-level callback)."""
