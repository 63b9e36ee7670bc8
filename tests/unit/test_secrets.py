"""Secrets: declared names only, looked up in the secrets folder, the environment and the
workspace store (in that order), never shown."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from modelport.errors import InvalidInput
from modelport.redaction import redact
from modelport.secrets import SecretNotFound, Secrets, SecretStore, check_name


def _secrets(tmp_path: Path, environ: dict[str, str] | None = None) -> Secrets:
    return Secrets(
        ["token", "other"],
        secrets_dir=tmp_path / "mounted",
        store=SecretStore(tmp_path / "home", "default"),
        environ=environ or {},
    )


def test_the_file_wins_then_the_environment_then_the_store(tmp_path: Path) -> None:
    SecretStore(tmp_path / "home", "default").set("token", "from-store")
    assert _secrets(tmp_path)["token"] == "from-store"
    environ = {"TRUSS_SECRET_token": "from-env"}
    assert _secrets(tmp_path, environ)["token"] == "from-env"
    (tmp_path / "mounted").mkdir()
    (tmp_path / "mounted" / "token").write_text("from-file\n")
    assert _secrets(tmp_path, environ)["token"] == "from-file"


def test_an_undeclared_secret_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SecretNotFound, match="secret 'nope' is not declared") as info:
        _secrets(tmp_path)["nope"]
    assert "declared: token, other" in str(info.value)
    assert _secrets(tmp_path).get("nope") is None, "a KeyError, so .get() answers None"


def test_an_unset_secret_says_how_to_set_it(tmp_path: Path) -> None:
    with pytest.raises(SecretNotFound, match="secret 'other' is not set") as info:
        _secrets(tmp_path)["other"]
    message = str(info.value)
    assert "TRUSS_SECRET_other" in message
    assert "modelport secret set other" in message


def test_the_mapping_shows_names_never_values(tmp_path: Path) -> None:
    secrets = _secrets(tmp_path, {"TRUSS_SECRET_token": "hidden-value-1"})
    assert list(secrets) == ["token", "other"]
    assert len(secrets) == 2
    assert secrets["token"] == "hidden-value-1"
    assert "hidden-value-1" not in repr(secrets)


def test_redact_blanks_every_value_read(tmp_path: Path) -> None:
    secrets = _secrets(tmp_path, {"TRUSS_SECRET_token": "value-to-blank-77"})
    assert "value-to-blank-77" in redact("before value-to-blank-77"), "not read yet"
    secrets["token"]
    assert redact("saw value-to-blank-77 twice: value-to-blank-77") == "saw *** twice: ***"


def test_the_store_is_private_per_workspace_and_forgets(tmp_path: Path) -> None:
    store = SecretStore(tmp_path, "team-a")
    store.set("token", "abc")
    store.set("b", "def")
    assert store.names() == ["b", "token"]
    assert SecretStore(tmp_path, "team-b").names() == []
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert store.unset("token") is True
    assert store.unset("token") is False
    assert store.names() == ["b"]


@pytest.mark.parametrize("name", ["", "../x", "a/b", "..", "with space"])
def test_names_that_cannot_be_files_or_variables_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput):
        check_name(name)
