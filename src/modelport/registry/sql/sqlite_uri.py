"""The database file a ``sqlite:///`` registry URI names (apart from the engine code: the quick
lookup of ``registry.sql.lookup`` needs it without SQLAlchemy)."""

from __future__ import annotations

from pathlib import Path

from modelport.errors import ConfigError


def sqlite_path(uri: str) -> Path:
    """The database file a ``sqlite:///`` URI names."""
    path = uri.removeprefix("sqlite://").removeprefix("/").partition("?")[0]
    if path in ("", ":memory:"):
        raise ConfigError(
            f"registry URI {uri!r} names no database file",
            hint="The registry keeps its data in a file: use sqlite:///path/to/registry.db.",
            field="registry_uri",
        )
    return Path(path)
