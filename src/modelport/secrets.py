"""Secrets a model declares by name, and where their values come from.

Only declared names exist. A value is looked up, first found wins, in:

1. a file named after the secret in the secrets folder (``MODELPORT_SECRETS_DIR``, ``/secrets``
   by default, as in a Truss container);
2. the environment variable ``TRUSS_SECRET_<name>``;
3. the store ``modelport secret set`` writes: ``<MODELPORT_HOME>/secrets/<workspace>.json``
   (mode 0600, outside every artifact; the workspace is ``MODELPORT_WORKSPACE``).

Values never appear in a message: errors name the secret, not its value, and each value read is
noted in ``modelport.redaction``, whose ``redact`` blanks it out of text headed for a log or a
response (the server's log handler and output streams blank every line they write).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from modelport.errors import ConfigError, InvalidInput
from modelport.redaction import reveal
from modelport.settings import get_settings

ENV_PREFIX = "TRUSS_SECRET_"
_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


class SecretNotFound(ConfigError, KeyError):
    """A secret that is not declared, or declared but set nowhere (a KeyError too, so
    ``secrets.get(name)`` answers None as it does in Truss)."""

    status = 500


def check_name(name: str) -> str:
    """``name`` if it can name a secret (a file name and an environment variable suffix)."""
    if not _NAME.match(name) or name in (".", ".."):
        raise InvalidInput(
            f"{name!r} cannot name a secret",
            hint="use letters, digits, '_', '-' and '.'",
            field="name",
        )
    return name


class SecretStore:
    """The secrets ``modelport secret set`` keeps for one workspace, in the modelport home."""

    def __init__(self, home: Path, workspace: str) -> None:
        self.path = home / "secrets" / f"{check_name(workspace)}.json"

    def names(self) -> list[str]:
        return sorted(self._read())

    def get(self, name: str) -> str | None:
        return self._read().get(name)

    def set(self, name: str, value: str) -> None:
        values = self._read()
        values[check_name(name)] = value
        self._write(values)

    def unset(self, name: str) -> bool:
        """Forget ``name``; False when it was not set."""
        values = self._read()
        if values.pop(name, None) is None:
            return False
        self._write(values)
        return True

    def _read(self) -> dict[str, str]:
        if not self.path.is_file():
            return {}
        loaded = json.loads(self.path.read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in loaded.items()}

    def _write(self, values: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        scratch = self.path.with_suffix(".tmp")
        descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            json.dump(values, out, indent=2, sort_keys=True)
        os.replace(scratch, self.path)


class Secrets(Mapping[str, str]):
    """The declared secrets of one model; reading one looks its value up (module docstring)."""

    def __init__(
        self,
        declared: Iterable[str],
        *,
        secrets_dir: Path,
        store: SecretStore | None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._declared = tuple(declared)
        self._dir = secrets_dir
        self._store = store
        self._environ = environ if environ is not None else os.environ

    @classmethod
    def from_settings(cls, declared: Iterable[str]) -> Secrets:
        settings = get_settings()
        store = SecretStore(settings.home, settings.workspace)
        return cls(declared, secrets_dir=settings.secrets_dir, store=store)

    def __getitem__(self, name: str) -> str:
        if name not in self._declared:
            declared = ", ".join(self._declared) or "none"
            raise SecretNotFound(
                f"secret {name!r} is not declared",
                hint=f"declare it under `secrets:` in config.yaml (declared: {declared})",
                field=name,
            )
        value = self._lookup(name)
        if value is None:
            raise SecretNotFound(
                f"secret {name!r} is not set",
                hint=f"set {ENV_PREFIX}{name}, write the file {self._dir / name}, "
                f"or run `modelport secret set {name}`",
                field=name,
            )
        reveal(value)
        return value

    def _lookup(self, name: str) -> str | None:
        file = self._dir / name
        if file.is_file():
            return file.read_text(encoding="utf-8").strip()
        if ENV_PREFIX + name in self._environ:
            return self._environ[ENV_PREFIX + name]
        return self._store.get(name) if self._store is not None else None

    def __iter__(self) -> Iterator[str]:
        return iter(self._declared)

    def __len__(self) -> int:
        return len(self._declared)

    def __repr__(self) -> str:
        return f"Secrets({list(self._declared)!r})"
