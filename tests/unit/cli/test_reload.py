"""``serve --reload`` watches a project folder: a registry reference, an artifact file or DEEPaaS
models are refused with what to write instead, before anything is built or bound."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelport.errors import ConfigError, NotFound

from .conftest import Invoke


def test_a_registry_reference_is_refused(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("serve", "iris:2", "--reload")
    assert result.exit_code == 1
    assert isinstance(result.exception, ConfigError)
    assert "registry reference" in result.exception.message
    assert result.exception.hint == "name the project folder as a path (./iris), or drop --reload"
    (tmp_path / "iris").mkdir()
    result = invoke("serve", "iris", "--reload")
    assert isinstance(result.exception, ConfigError)
    assert result.exception.hint == "to watch the folder ./iris, write ./iris"


def test_an_artifact_file_deepaas_and_a_missing_folder_are_refused(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "iris.zip").write_bytes(b"PK")
    result = invoke("serve", "./iris.zip", "--reload")
    assert isinstance(result.exception, ConfigError)
    assert (
        result.exception.message == "--reload rebuilds a project folder, and ./iris.zip is a file"
    )
    result = invoke("serve", "--deepaas", "--reload")
    assert isinstance(result.exception, ConfigError)
    assert "--deepaas" in result.exception.message
    result = invoke("serve", "./nowhere", "--reload")
    assert isinstance(result.exception, NotFound)


def test_help_says_what_reload_does(invoke: Invoke) -> None:
    shown = invoke("serve", "--help")
    assert "--reload" in shown.output
    assert "last good version keeps serving" in " ".join(shown.output.split())
