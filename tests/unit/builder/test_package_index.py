"""Model environments install from where pip would: its pip.conf files and PIP_* variables, then
modelport's settings and the build's flags."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

import pytest

from modelport.builder import package_index
from modelport.builder.built_environments import MARKER, built_environment, environment_key
from modelport.builder.modelport_wheel import ModelportInstall
from modelport.builder.package_index import (
    PackageIndex,
    configured_index,
    environment_options,
    pip_config_files,
    pip_index,
    redacted,
)
from modelport.errors import ConfigError
from modelport.settings import Settings


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """An environment whose pip configuration lives under ``tmp_path`` only."""
    monkeypatch.setattr(package_index, "SYSTEM_PIP_CONF", tmp_path / "etc" / "pip.conf")
    (tmp_path / "home").mkdir()
    return {"HOME": str(tmp_path / "home"), "XDG_CONFIG_DIRS": str(tmp_path / "xdg")}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_no_configuration_means_no_options(machine: dict[str, str]) -> None:
    assert pip_index(machine) == PackageIndex()
    assert PackageIndex().options() == []


def test_the_user_file_overrides_the_system_file_and_lists_split_on_whitespace(
    machine: dict[str, str], tmp_path: Path
) -> None:
    write(tmp_path / "xdg" / "pip" / "pip.conf", "[global]\nindex-url = https://system/simple\n")
    user = Path(machine["HOME"]) / ".config" / "pip" / "pip.conf"
    write(
        user,
        "[global]\nindex_url = https://user/simple\n"
        "extra-index-url = file:///opt/pypi/simple\n  https://extra/simple\n"
        "find-links = /opt/wheels\n",
    )
    index = pip_index(machine)
    assert index.options() == [
        "--index-url https://user/simple",
        "--extra-index-url file:///opt/pypi/simple",
        "--extra-index-url https://extra/simple",
        "--find-links /opt/wheels",
    ]
    assert pip_config_files(machine)[-1] == user


def test_the_install_section_beats_global_and_pip_config_file_beats_both(
    machine: dict[str, str], tmp_path: Path
) -> None:
    user = Path(machine["HOME"]) / ".config" / "pip" / "pip.conf"
    write(user, "[global]\nfind-links = /a\n[install]\nfind-links = /b\n")
    assert pip_index(machine).find_links == ("/b",)
    named = write(tmp_path / "named.conf", "[global]\nfind-links = /c\n")
    assert pip_index({**machine, "PIP_CONFIG_FILE": str(named)}).find_links == ("/c",)
    assert pip_index({**machine, "PIP_CONFIG_FILE": os.devnull}).find_links == ()


def test_pip_variables_beat_the_files(machine: dict[str, str]) -> None:
    write(Path(machine["HOME"]) / ".pip" / "pip.conf", "[global]\nfind-links = /from-file\n")
    environ = {
        **machine,
        "PIP_FIND_LINKS": "/wheels /more-wheels",
        "PIP_INDEX_URL": "https://private/simple",
        "PIP_EXTRA_INDEX_URL": "https://download.pytorch.org/whl/cpu",
    }
    assert pip_index(environ).options() == [
        "--index-url https://private/simple",
        "--extra-index-url https://download.pytorch.org/whl/cpu",
        "--find-links /wheels",
        "--find-links /more-wheels",
    ]
    no_index = pip_index({**machine, "PIP_NO_INDEX": "true"}).options()
    assert no_index == ["--find-links /from-file", "--no-index"]


def test_uvs_own_index_setting_keeps_its_say(machine: dict[str, str]) -> None:
    environ = {**machine, "PIP_INDEX_URL": "https://pip/simple", "PIP_FIND_LINKS": "/w"}
    assert pip_index({**environ, "UV_INDEX_URL": "https://uv/simple"}).options() == [
        "--find-links /w"
    ]
    assert pip_index({**environ, "UV_DEFAULT_INDEX": "https://uv/simple"}).index_url is None


def test_relative_find_links_are_made_absolute(
    machine: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    index = pip_index({**machine, "PIP_FIND_LINKS": "wheels https://host/links"})
    assert index.find_links == (str(tmp_path / "wheels"), "https://host/links")


def test_settings_then_flags_add_to_pips_and_an_index_url_replaces(
    machine: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MODELPORT_FIND_LINKS", f"{tmp_path}/setting-wheels")
    monkeypatch.setenv("MODELPORT_EXTRA_INDEX_URLS", "https://setting/simple")
    monkeypatch.delenv("MODELPORT_INDEX_URL", raising=False)
    monkeypatch.delenv("MODELPORT_CONFIG", raising=False)
    environ = {**machine, "PIP_FIND_LINKS": "/pip-wheels", "PIP_INDEX_URL": "https://pip/simple"}
    index = configured_index(
        Settings(home=tmp_path),
        index_url="https://flag/simple",
        find_links=["/flag-wheels", "/pip-wheels"],
        environ=environ,
    )
    assert index.options() == [
        "--index-url https://flag/simple",
        "--extra-index-url https://setting/simple",
        "--find-links /pip-wheels",
        f"--find-links {tmp_path}/setting-wheels",
        "--find-links /flag-wheels",
    ]


def test_settings_file_lists(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = write(
        tmp_path / "modelport.toml",
        'find_links = ["/opt/wheels"]\nextra_index_urls = "https://a/simple https://b/simple"\n',
    )
    monkeypatch.setenv("MODELPORT_CONFIG", str(config))
    monkeypatch.delenv("MODELPORT_FIND_LINKS", raising=False)
    monkeypatch.delenv("MODELPORT_EXTRA_INDEX_URLS", raising=False)
    settings = Settings()
    assert settings.find_links == ("/opt/wheels",)
    assert settings.extra_index_urls == ("https://a/simple", "https://b/simple")
    write(config, "find_links = 3\n")
    with pytest.raises(ConfigError, match="find_links") as caught:
        Settings()
    assert caught.value.field == "find_links"


def test_an_unreadable_pip_conf_names_the_file(machine: dict[str, str]) -> None:
    broken = write(Path(machine["HOME"]) / ".config" / "pip" / "pip.conf", "find-links = /x\n")
    with pytest.raises(ConfigError) as caught:
        pip_index(machine)
    assert caught.value.field == str(broken)
    assert "PIP_CONFIG_FILE=/dev/null" in str(caught.value)


def test_a_changed_index_gives_another_environment_and_serving_finds_the_built_one(
    tmp_path: Path,
) -> None:
    """The environment key holds the index options; an artifact's lock finds its environment
    whichever options it was made with (by the marker it holds)."""
    install = ModelportInstall.current()
    lock = ["torch==2.13.0+cpu"]
    version = platform.python_version()
    plain = environment_key(lock, [], version, install)
    assert plain != environment_key(lock, ["--find-links /opt/wheels"], version, install)
    made = tmp_path / environment_key(lock, ["--find-links /w"], version, install)
    (made / "bin").mkdir(parents=True)
    (made / "bin" / "python").touch()
    marker = {"lock": lock, "modelport": install.version, "digest": install.digest}
    (made / MARKER).write_text(json.dumps(marker))
    assert built_environment(lock, envs_dir=tmp_path, options=["--find-links /w"]) == (
        made / "bin" / "python"
    )
    assert built_environment(lock, envs_dir=tmp_path) == made / "bin" / "python"
    assert built_environment(["torch==2.14.1"], envs_dir=tmp_path) is None


def test_one_index_url_reaches_uv_the_flags_else_the_projects_else_the_configured() -> None:
    """uv refuses two --index-url lines: a requirements file's replaces the configured one, a
    --index-url flag replaces the file's; extra indexes and find-links all stay."""
    configured = PackageIndex(index_url="https://pip/simple", find_links=("/w",))
    project = ["--index-url https://project/simple", "--extra-index-url https://x/simple"]
    assert environment_options(project, configured) == [*project, "--find-links /w"]
    flagged = configured.adding(index_url="https://flag/simple")
    assert environment_options(project, flagged, index_url_flag="https://flag/simple") == [
        "--extra-index-url https://x/simple",
        "--index-url https://flag/simple",
        "--find-links /w",
    ]
    assert environment_options([], configured) == configured.options()
    assert environment_options(["--find-links /w"], configured) == [
        "--find-links /w",
        "--index-url https://pip/simple",
    ]


def test_progress_lines_blank_credentials_in_index_urls() -> None:
    assert redacted(
        ["--index-url https://user:token@private.example/simple", "--find-links /w"]
    ) == ("--index-url https://***@private.example/simple, --find-links /w")
