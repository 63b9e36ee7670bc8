"""Registry connection tokens, encrypted at rest with Fernet (AES-128-CBC with an HMAC-SHA256,
from ``cryptography``).

The key is the ``connections_key`` setting (``MODELPORT_CONNECTIONS_KEY``) when set: a shared
server keeps it in its secret store, beside the database, never in it. Otherwise a key is made
once in ``<home>/connections.key`` (mode 0600, created exclusively so two processes cannot each
write their own): a laptop needs no setup, and a copy of the registry database alone reveals no
token. Fernet was chosen over a hand-made AES-GCM scheme because it is one call each way, carries
its own version and timestamp, and is what ``cryptography`` recommends for exactly this.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from modelport.errors import ConfigError
from modelport.settings import Settings

KEY_FILE = "connections.key"


class TokenCipher:
    """Encrypts and decrypts connection tokens with one Fernet key."""

    def __init__(self, key: bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError):
            raise ConfigError(
                "the connections key is not a Fernet key",
                hint="set MODELPORT_CONNECTIONS_KEY to the output of "
                "`python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`",
                field="connections_key",
            ) from None

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenCipher:
        """The setting's key, else the home's key file (made on first use)."""
        if settings.connections_key:
            return cls(settings.connections_key.encode())
        return cls(_key_file(settings.home / KEY_FILE))

    def encrypt(self, token: str) -> str:
        return self._fernet.encrypt(token.encode()).decode("ascii")

    def decrypt(self, stored: str) -> str:
        try:
            return self._fernet.decrypt(stored.encode("ascii")).decode()
        except InvalidToken:
            raise ConfigError(
                "a registry connection's token cannot be decrypted with this key",
                hint="use the connections key it was stored with (MODELPORT_CONNECTIONS_KEY or "
                "<home>/connections.key), or create the connection again",
                field="connections_key",
            ) from None


def _key_file(path: Path) -> bytes:
    """The key in ``path``, made first when missing: written whole to a private temporary file,
    then linked into place, which fails if another process got there first (then theirs wins)."""
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix=".connections-", dir=path.parent)
        try:
            with os.fdopen(descriptor, "wb") as handle:  # mkstemp makes it 0600
                handle.write(Fernet.generate_key())
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    return path.read_bytes().strip()


def masked(token: str | None) -> str | None:
    """What a listing shows of a token: its last four characters at most, never the token."""
    if not token:
        return token
    return "****" + token[-4:] if len(token) >= 12 else "****"
