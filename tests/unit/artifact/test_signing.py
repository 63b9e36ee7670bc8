"""Artifact signatures: a key ring in a folder, signing at write time, checking before anything
is unpacked (unsigned, untrusted, changed or malformed: each refused by name)."""

from __future__ import annotations

import json
import stat
import zipfile
from pathlib import Path

import pytest

from modelport.artifact.manifest import Manifest
from modelport.artifact.reader import open_artifact
from modelport.artifact.signing import (
    SIGNATURE_NAME,
    KeyRing,
    check_signature,
    public_line,
    sign_manifest,
    verify_artifact,
)
from modelport.artifact.writer import write_artifact
from modelport.errors import ArtifactError, Conflict, InvalidInput

MANIFEST = Manifest(
    name="demo",
    version="1",
    source_format="native",
    entry_point="main:Demo",
    signature={},
    metadata={},
    python_version="3.11",
    lock=[],
    build={},
)
FILES: dict[str, Path | bytes] = {"src/main.py": b"class Demo: ...\n"}


def _ring(folder: Path) -> KeyRing:
    ring = KeyRing(folder)
    ring.create()
    return ring


def _signed(dest: Path, ring: KeyRing) -> Path:
    key = ring.signing_key()
    assert key is not None
    write_artifact(dest, manifest=MANIFEST, files=FILES, sign=lambda m: sign_manifest(key, m))
    return dest


def test_a_new_key_is_private_and_trusted(tmp_path: Path) -> None:
    ring = KeyRing(tmp_path / "keys")
    assert ring.signing_key() is None
    name = ring.create()
    assert name.startswith("ed25519:") and len(name) == len("ed25519:") + 16
    assert stat.S_IMODE(ring.private_path.stat().st_mode) == 0o600
    assert list(ring.trusted()) == [name]
    with pytest.raises(Conflict, match="already holds a signing key"):
        ring.create()


def test_a_signed_artifact_is_checked_against_the_trusted_keys(tmp_path: Path) -> None:
    ring = _ring(tmp_path / "keys")
    artifact = open_artifact(_signed(tmp_path / "a.zip", ring))
    assert verify_artifact(artifact, ring) in ring.trusted()
    artifact.extract(tmp_path / "out")  # the signature member is no file of the model
    assert not (tmp_path / "out" / SIGNATURE_NAME).exists()
    stranger = KeyRing(tmp_path / "stranger")
    with pytest.raises(ArtifactError, match="which this registry does not trust"):
        verify_artifact(artifact, stranger)
    key = ring.signing_key()
    assert key is not None
    stranger.trust(public_line(key.public_key()))
    assert verify_artifact(artifact, stranger) in stranger.trusted()


def test_unsigned_changed_and_malformed_are_refused(tmp_path: Path) -> None:
    ring = _ring(tmp_path / "keys")
    write_artifact(tmp_path / "plain.zip", manifest=MANIFEST, files=FILES)
    with pytest.raises(ArtifactError, match="is not signed"):
        verify_artifact(open_artifact(tmp_path / "plain.zip"), ring)
    manifest, signed = open_artifact(_signed(tmp_path / "s.zip", ring)).signed_parts()
    assert signed is not None
    with pytest.raises(ArtifactError, match="changed after it was signed"):
        check_signature("s.zip", manifest + b"# more\n", signed, ring.trusted())
    entry = json.loads(signed)
    with pytest.raises(ArtifactError, match="malformed"):
        check_signature("s.zip", manifest, b"not json", ring.trusted())
    with pytest.raises(ArtifactError, match="malformed"):
        check_signature("s.zip", manifest, json.dumps({"key": entry["key"]}).encode(), {})


def test_the_signature_name_is_reserved_and_a_bad_public_key_named(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="reserved"):
        write_artifact(tmp_path / "x.zip", manifest=MANIFEST, files={SIGNATURE_NAME: b"x"})
    with pytest.raises(InvalidInput, match="not a modelport public key"):
        KeyRing(tmp_path / "keys").trust("ssh-ed25519 AAAA")


def test_a_signature_is_the_same_for_the_same_artifact(tmp_path: Path) -> None:
    ring = _ring(tmp_path / "keys")
    first = _signed(tmp_path / "1.zip", ring).read_bytes()
    assert first == _signed(tmp_path / "2.zip", ring).read_bytes()  # ed25519 is deterministic
    with zipfile.ZipFile(tmp_path / "1.zip") as archive:
        assert archive.namelist()[-1] == SIGNATURE_NAME
