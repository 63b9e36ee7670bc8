"""Settings come from ``MODELPORT_*`` environment variables, with defaults that work on a laptop."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelport.errors import ConfigError
from modelport.settings import Settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MODELPORT_HOME", "MODELPORT_REGISTRY_URI", "MODELPORT_MAX_ARTIFACT_BYTES"):
        monkeypatch.delenv(name, raising=False)


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    settings = Settings()
    assert settings.home == tmp_path / ".modelport"
    assert settings.resolved_registry_uri == f"sqlite:///{tmp_path / '.modelport' / 'registry.db'}"
    assert settings.max_artifact_bytes == 20 * 1024**3
    assert settings.envs_dir == tmp_path / ".modelport" / "envs"


def test_environment_variables_are_read_at_each_construction(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MODELPORT_HOME", str(tmp_path))
    monkeypatch.setenv("MODELPORT_REGISTRY_URI", "postgresql://db/modelport")
    monkeypatch.setenv("MODELPORT_MAX_ARTIFACT_BYTES", "1_000")
    settings = Settings()
    assert (settings.home, settings.registry_uri) == (tmp_path, "postgresql://db/modelport")
    assert settings.resolved_registry_uri == "postgresql://db/modelport"
    assert settings.max_artifact_bytes == 1000


def test_lower_case_names_and_empty_values(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("modelport_home", str(tmp_path))
    monkeypatch.setenv("MODELPORT_REGISTRY_URI", "")
    settings = Settings()
    assert settings.home == tmp_path
    assert settings.registry_uri is None  # empty means unset


def test_arguments_win_and_paths_are_paths(tmp_path: Path) -> None:
    settings = Settings(home=str(tmp_path))  # type: ignore[arg-type]
    assert settings.home == tmp_path and isinstance(settings.home, Path)


@pytest.mark.parametrize("value", ["abc", "0", "-5", "1.5"])
def test_a_bad_size_names_the_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("MODELPORT_MAX_ARTIFACT_BYTES", value)
    with pytest.raises(ConfigError, match="MODELPORT_MAX_ARTIFACT_BYTES") as caught:
        Settings()
    assert caught.value.field == "MODELPORT_MAX_ARTIFACT_BYTES"
