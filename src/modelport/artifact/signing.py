"""Signed artifacts: an ed25519 signature over the manifest, made with the registry's key.

The manifest holds the sha256 of every file and every read checks it, so a signature over the
manifest's bytes (the zip member ``modelport.sig``, beside ``modelport.yaml``) covers the whole
artifact. Loading a model unpickles it, and unpickling runs code: where signatures are required
(``modelport import --require-signature``, the ``require_signatures`` setting) an artifact is
checked against the trusted keys before anything is unpacked, let alone loaded.

A registry's keys live in ``$MODELPORT_HOME/keys``: ``signing.key`` (the private key, PEM,
0600; ``modelport keys create``), with which every build signs, and ``trusted/`` (one public
key a file, one line ``modelport-ed25519 BASE64``; its own is trusted from the start, others'
with ``modelport keys trust``). A key is named by its fingerprint, ``ed25519:`` and 16 hex
digits of the sha256 of its raw bytes.

``cryptography`` (the ``signing`` extra) is imported only to sign or check a signature.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from modelport.errors import ArtifactError, Conflict, InvalidInput, MissingDependency

if TYPE_CHECKING:
    from modelport.artifact.reader import Artifact

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

SIGNATURE_NAME = "modelport.sig"
"""The zip member holding the signature: JSON ``{"key": FINGERPRINT, "ed25519": BASE64}``."""
MAX_SIGNATURE_BYTES = 4096
PUBLIC_PREFIX = "modelport-ed25519"
_UNTRUSTED = "Do not use this file unless you trust where it came from"


def fingerprint(public_raw: bytes) -> str:
    return "ed25519:" + hashlib.sha256(public_raw).hexdigest()[:16]


class KeyRing:
    """The signing key and the trusted public keys of one registry (a folder)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.private_path = folder / "signing.key"
        self.trusted_dir = folder / "trusted"

    def create(self) -> str:
        """Make the signing key (refused when there is one) and trust its public key; answers
        its fingerprint."""
        ed25519, serialization = _crypto()
        if self.private_path.exists():
            raise Conflict(
                f"{self.private_path} already holds a signing key",
                hint="keep it (`modelport keys show` prints its public key), or remove the file "
                "to make a new one",
            )
        key = ed25519.Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(self.private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(pem)
        return self.trust(public_line(key.public_key()))

    def signing_key(self) -> Ed25519PrivateKey | None:
        """The registry's signing key; None when it has none."""
        if not self.private_path.is_file():
            return None
        ed25519, serialization = _crypto()
        key = serialization.load_pem_private_key(self.private_path.read_bytes(), password=None)
        if not isinstance(key, ed25519.Ed25519PrivateKey):
            raise ArtifactError(
                f"{self.private_path} is not an ed25519 key",
                hint="remove it and run `modelport keys create`",
            )
        return cast("Ed25519PrivateKey", key)

    def trust(self, line: str) -> str:
        """Trust the public key ``line`` (``modelport-ed25519 BASE64``); its fingerprint."""
        raw = public_raw(line)
        name = fingerprint(raw)
        self.trusted_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        (self.trusted_dir / (name.replace(":", "-") + ".pub")).write_text(
            f"{PUBLIC_PREFIX} {base64.b64encode(raw).decode()}\n", encoding="ascii"
        )
        return name

    def trusted(self) -> dict[str, bytes]:
        """The trusted public keys' raw bytes, by fingerprint."""
        if not self.trusted_dir.is_dir():
            return {}
        keys = {}
        for path in sorted(self.trusted_dir.glob("*.pub")):
            raw = public_raw(path.read_text(encoding="ascii"), source=str(path))
            keys[fingerprint(raw)] = raw
        return keys


def public_line(key: Ed25519PublicKey) -> str:
    """A public key as the one line others trust it by."""
    _, serialization = _crypto()
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return f"{PUBLIC_PREFIX} {base64.b64encode(raw).decode()}"


def sign_manifest(key: Ed25519PrivateKey, manifest: bytes) -> bytes:
    """The ``modelport.sig`` member for an artifact whose manifest is ``manifest``."""
    _, serialization = _crypto()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    signature = base64.b64encode(key.sign(manifest)).decode()
    return json.dumps({"key": fingerprint(raw), "ed25519": signature}).encode()


def check_signature(
    source: str, manifest: bytes, signed: bytes | None, trusted: dict[str, bytes]
) -> str:
    """The fingerprint of the trusted key that signed ``manifest``; ArtifactError (naming
    ``source``) when the artifact is unsigned, signed by a key not trusted here, or the
    signature does not match (the manifest, or a file it lists, was changed after signing)."""
    if signed is None:
        raise ArtifactError(
            f"{source} is not signed, and this registry requires signatures",
            hint=f"{_UNTRUSTED}; ask its author for a signed build (`modelport keys create`, "
            "then build), and trust their key with `modelport keys trust`",
        )
    try:
        entry = json.loads(signed)
        name, signature = str(entry["key"]), base64.b64decode(entry["ed25519"], validate=True)
    except (ValueError, KeyError, TypeError) as exc:
        raise ArtifactError(f"{source} has a malformed {SIGNATURE_NAME}", hint=_UNTRUSTED) from exc
    raw = trusted.get(name)
    if raw is None:
        raise ArtifactError(
            f"{source} is signed by key {name}, which this registry does not trust",
            hint=f"{_UNTRUSTED}; trust its author's public key with `modelport keys trust`",
        )
    ed25519, _ = _crypto()
    from cryptography.exceptions import InvalidSignature

    try:
        ed25519.Ed25519PublicKey.from_public_bytes(raw).verify(signature, manifest)
    except InvalidSignature:
        raise ArtifactError(
            f"{source}'s signature by {name} does not match its manifest: it was changed after "
            "it was signed",
            hint=_UNTRUSTED,
        ) from None
    return name


def verify_artifact(artifact: Artifact, ring: KeyRing) -> str:
    """Check ``artifact``'s signature against ``ring``'s trusted keys (``check_signature``),
    before anything of it is unpacked; answers the signing key's fingerprint."""
    manifest, signed = artifact.signed_parts()
    return check_signature(str(artifact.path), manifest, signed, ring.trusted())


def public_raw(line: str, source: str = "the public key") -> bytes:
    prefix, _, encoded = line.strip().partition(" ")
    try:
        raw = base64.b64decode(encoded.strip(), validate=True)
    except ValueError:
        raw = b""
    if prefix != PUBLIC_PREFIX or len(raw) != 32:
        raise InvalidInput(
            f"{source} is not a modelport public key",
            hint=f"give the line `modelport keys show` prints: {PUBLIC_PREFIX} BASE64",
            field="key",
        )
    return raw


def _crypto() -> tuple[Any, Any]:
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError as exc:
        raise MissingDependency(
            "signing artifacts needs the cryptography package",
            hint="pip install 'modelport[signing]'",
        ) from exc
    return ed25519, serialization
