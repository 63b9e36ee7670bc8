"""Settings come from ``MODELPORT_*`` environment variables, with defaults that work on a laptop."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelport.errors import ConfigError
from modelport.settings import Settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "MODELPORT_HOME",
        "MODELPORT_REGISTRY_URI",
        "MODELPORT_BLOBS_URI",
        "MODELPORT_MAX_ARTIFACT_BYTES",
        "MODELPORT_CONFIG",
        "MODELPORT_MAX_CONNECTIONS",
        "MODELPORT_MAX_IN_FLIGHT",
        "MODELPORT_AUTH_TOKENS_FILE",
        "MODELPORT_REGISTRY_WAIT",
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    settings = Settings()
    assert settings.home == tmp_path / ".modelport"
    assert settings.resolved_registry_uri == f"sqlite:///{tmp_path / '.modelport' / 'registry.db'}"
    assert settings.max_artifact_bytes == 2 * 1024**3
    assert settings.envs_dir == tmp_path / ".modelport" / "envs"
    assert settings.resolved_blobs_uri == str(tmp_path / ".modelport" / "blobs")
    assert settings.blob_cache_dir == tmp_path / ".modelport" / "cache" / "blobs"


def test_the_blob_store_comes_from_the_environment_or_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MODELPORT_BLOBS_URI", "s3://team/models")
    assert Settings(home=tmp_path).resolved_blobs_uri == "s3://team/models"
    monkeypatch.delenv("MODELPORT_BLOBS_URI")
    config = tmp_path / "modelport.toml"
    config.write_text('blobs_uri = "/mnt/blobs"\n')
    monkeypatch.setenv("MODELPORT_CONFIG", str(config))
    assert Settings(home=tmp_path).resolved_blobs_uri == "/mnt/blobs"


def test_serving_bounds_and_the_registry_wait_have_defaults(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    assert (settings.max_connections, settings.max_in_flight) == (1000, 256)
    assert settings.auth_tokens_file is None
    assert settings.registry_wait == 120.0


def test_serving_bounds_and_the_registry_wait_are_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MODELPORT_MAX_CONNECTIONS", "50")
    monkeypatch.setenv("MODELPORT_MAX_IN_FLIGHT", "8")
    monkeypatch.setenv("MODELPORT_AUTH_TOKENS_FILE", str(tmp_path / "tokens"))
    monkeypatch.setenv("MODELPORT_REGISTRY_WAIT", "2.5")
    settings = Settings()
    assert (settings.max_connections, settings.max_in_flight) == (50, 8)
    assert settings.auth_tokens_file == tmp_path / "tokens"
    assert settings.registry_wait == 2.5
    monkeypatch.setenv("MODELPORT_REGISTRY_WAIT", "soon")
    with pytest.raises(ConfigError, match="MODELPORT_REGISTRY_WAIT is 'soon'"):
        Settings()


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


# --- the settings file and the order of sources -----------------------------------------------


@pytest.fixture
def elsewhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A working folder and a HOME with no settings file in them, no MODELPORT_CONFIG."""
    for name in ("MODELPORT_CONFIG", "MODELPORT_WORKSPACE", "MODELPORT_SECRETS_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    return tmp_path


def test_environment_beats_the_file_which_beats_the_default(
    monkeypatch: pytest.MonkeyPatch, elsewhere: Path
) -> None:
    (elsewhere / "work" / "modelport.toml").write_text(
        'home = "/srv/modelport"\nworkspace = "team-a"\nmax_artifact_bytes = 4096\n'
    )
    monkeypatch.setenv("MODELPORT_WORKSPACE", "team-b")
    settings = Settings()
    assert settings.home == Path("/srv/modelport")  # file over default
    assert settings.workspace == "team-b"  # environment over file
    assert settings.max_artifact_bytes == 4096
    assert settings.secrets_dir == Path("/secrets")  # default
    assert Settings(workspace="flag").workspace == "flag"  # a command-line flag over all


def test_the_file_is_found_by_variable_then_working_folder_then_home(
    monkeypatch: pytest.MonkeyPatch, elsewhere: Path
) -> None:
    home = elsewhere / "user" / ".modelport"
    home.mkdir(parents=True)
    (home / "modelport.toml").write_text('workspace = "from-home"\n')
    assert Settings().workspace == "from-home"
    (elsewhere / "work" / "modelport.toml").write_text('workspace = "from-work"\n')
    assert Settings().workspace == "from-work"
    named = elsewhere / "named.toml"
    named.write_text('workspace = "from-variable"\n')
    monkeypatch.setenv("MODELPORT_CONFIG", str(named))
    assert Settings().workspace == "from-variable"


def test_the_home_file_follows_modelport_home(
    monkeypatch: pytest.MonkeyPatch, elsewhere: Path
) -> None:
    (elsewhere / "data").mkdir()
    (elsewhere / "data" / "modelport.toml").write_text('registry_uri = "sqlite:////tmp/r.db"\n')
    monkeypatch.setenv("MODELPORT_HOME", str(elsewhere / "data"))
    assert Settings().registry_uri == "sqlite:////tmp/r.db"


def test_a_missing_named_file_is_an_error(monkeypatch: pytest.MonkeyPatch, elsewhere: Path) -> None:
    monkeypatch.setenv("MODELPORT_CONFIG", str(elsewhere / "nowhere.toml"))
    with pytest.raises(ConfigError, match=r"MODELPORT_CONFIG names .*nowhere.toml"):
        Settings()


def test_an_unknown_key_names_the_file_and_the_known_ones(elsewhere: Path) -> None:
    (elsewhere / "work" / "modelport.toml").write_text('hme = "/typo"\n')
    with pytest.raises(ConfigError, match="unknown setting 'hme'") as caught:
        Settings()
    assert "modelport.toml" in caught.value.message
    assert "home" in (caught.value.hint or "")


def test_bad_toml_and_bad_types_name_the_file_and_the_key(elsewhere: Path) -> None:
    settings_file = elsewhere / "work" / "modelport.toml"
    settings_file.write_text("home = \n")
    with pytest.raises(ConfigError, match="cannot read the settings file"):
        Settings()
    settings_file.write_text("max_artifact_bytes = -3\n")
    with pytest.raises(ConfigError, match=r"max_artifact_bytes in .*modelport.toml is -3"):
        Settings()
    settings_file.write_text("home = 5\n")
    with pytest.raises(ConfigError, match=r"home in .*modelport.toml is 5, not a folder path"):
        Settings()


def test_an_edited_file_is_read_again(elsewhere: Path) -> None:
    settings_file = elsewhere / "work" / "modelport.toml"
    settings_file.write_text('workspace = "first"\n')
    assert Settings().workspace == "first"
    settings_file.write_text('workspace = "second, longer"\n')
    assert Settings().workspace == "second, longer"
