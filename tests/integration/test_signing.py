"""Signed artifacts through the command line, on real registries: a registry with a key signs
its builds; another refuses them on `import --require-signature` until it trusts that key; an
artifact whose pickle was swapped, its manifest made consistent again, is refused as changed
after signing; and with the require_signatures setting an unsigned artifact is served by no one,
refused before anything of it is unpacked."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from .cli import run_cli


@pytest.fixture(scope="module")
def author(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The home of the registry whose key signs (its author's)."""
    home = tmp_path_factory.mktemp("author")
    created = run_cli("keys", "create", home=home)
    assert created.code == 0, created.stderr
    assert "created signing key ed25519:" in created.stdout
    return home


@pytest.fixture(scope="module")
def signed(
    author: Path, project_factory: Callable[..., Path], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """An artifact built and signed by the author's registry."""
    project = project_factory(tmp_path_factory.mktemp("signed-src") / "echo")
    built = run_cli("build", str(project), "--env", "inherit", home=author)
    assert built.code == 0, built.stderr
    out = tmp_path_factory.mktemp("signed") / "echo.zip"
    exported = run_cli("export", "echo", "--output", str(out), home=author)
    assert exported.code == 0, exported.stderr
    return out


@pytest.fixture(scope="module")
def author_key(author: Path) -> str:
    shown = run_cli("keys", "show", home=author)
    assert shown.code == 0, shown.stderr
    assert shown.stdout.startswith("modelport-ed25519 ")
    return shown.stdout.strip()


def test_a_build_of_a_registry_with_a_key_is_signed(signed: Path) -> None:
    with zipfile.ZipFile(signed) as archive:
        assert "modelport.sig" in archive.namelist()


def test_import_requires_a_trusted_signature(signed: Path, author_key: str, tmp_path: Path) -> None:
    refused = run_cli("import", str(signed), "--require-signature", home=tmp_path)
    assert refused.code == 1
    assert "which this registry does not trust" in refused.stderr
    assert "modelport keys trust" in refused.stderr
    assert run_cli("versions", "echo", home=tmp_path).code != 0, "nothing was registered"
    trusted = run_cli("keys", "trust", author_key, home=tmp_path)
    assert trusted.code == 0, trusted.stderr
    imported = run_cli("import", str(signed), "--require-signature", home=tmp_path)
    assert imported.code == 0, imported.stderr
    assert "imported: echo:1" in imported.stdout


def _swap_a_file(signed: Path, dest: Path) -> None:
    """A malicious copy: one file replaced, the manifest's sha256 and size made to match,
    the signature kept."""
    with zipfile.ZipFile(signed) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    manifest = yaml.safe_load(members["modelport.yaml"])
    victim = next(name for name in manifest["files"] if name.endswith(".py"))
    evil = b"import os\nos.system('echo pwned')\n"
    members[victim] = evil
    manifest["files"][victim] = {"sha256": hashlib.sha256(evil).hexdigest(), "size": len(evil)}
    members["modelport.yaml"] = yaml.safe_dump(manifest, sort_keys=False).encode()
    with zipfile.ZipFile(dest, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def test_a_consistent_tampered_copy_is_refused(
    signed: Path, author_key: str, tmp_path: Path
) -> None:
    assert run_cli("keys", "trust", author_key, home=tmp_path).code == 0
    tampered = tmp_path / "tampered.zip"
    _swap_a_file(signed, tampered)
    plain = run_cli("import", str(tampered), "--name", "unchecked", home=tmp_path / "other")
    assert plain.code == 0, "consistent checksums alone let it through"
    refused = run_cli("import", str(tampered), "--require-signature", home=tmp_path)
    assert refused.code == 1
    assert "was changed after it was signed" in refused.stderr


def test_with_the_setting_an_unsigned_artifact_is_neither_imported_nor_served(
    project_factory: Callable[..., Path], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    project = project_factory(tmp_path / "plain")
    assert run_cli("build", str(project), "--env", "inherit", home=home).code == 0
    exported = tmp_path / "plain.zip"
    assert run_cli("export", "plain", "--output", str(exported), home=home).code == 0
    strict = {"MODELPORT_REQUIRE_SIGNATURES": "true"}
    other = tmp_path / "strict"
    imported = run_cli("import", str(exported), home=other, env=strict)
    assert imported.code == 1
    assert "is not signed, and this registry requires signatures" in imported.stderr
    served = run_cli("serve", "plain", "--port", "0", home=home, env=strict)
    assert served.code == 1
    assert "is not signed" in served.stderr
    assert not (home / "unpacked").exists() or not any((home / "unpacked").iterdir())
