"""A Truss's config.yaml: Truss's defaults filled in, keys checked, container-only keys refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelport.errors import ConfigError
from modelport.formats.truss.config import DEFAULTS, expand, read_config


def test_an_empty_config_gets_every_default() -> None:
    assert expand({}) == DEFAULTS
    assert expand({}) is not DEFAULTS


def test_nested_runtime_and_resources_keep_the_defaults_they_do_not_override() -> None:
    expanded = expand({"runtime": {"predict_concurrency": 4}, "resources": {"memory": "8Gi"}})
    assert expanded["runtime"]["predict_concurrency"] == 4
    assert expanded["runtime"]["streaming_read_timeout"] == 60
    assert expanded["resources"] == {
        "cpu": "1",
        "memory": "8Gi",
        "use_gpu": False,
        "accelerator": None,
    }


def test_unknown_keys_are_kept_and_null_lists_mean_empty() -> None:
    expanded = expand({"custom_key": {"a": 1}, "requirements": None, "secrets": None})
    assert expanded["custom_key"] == {"a": 1}
    assert expanded["requirements"] == []
    assert expanded["secrets"] == {}


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("system_packages", ["ffmpeg"]),
        ("build_commands", ["make"]),
        ("base_image", {"image": "python:3.11"}),
        ("docker_server", {"start_command": "serve"}),
    ],
)
def test_keys_needing_a_container_build_are_refused_by_name(key: str, value: object) -> None:
    with pytest.raises(ConfigError, match=f"key '{key}' needs a container build") as info:
        expand({key: value})
    assert info.value.field == key
    assert info.value.hint


def test_several_unsupported_keys_are_all_named() -> None:
    with pytest.raises(ConfigError) as info:
        expand({"system_packages": ["ffmpeg"], "base_image": "python:3.11"})
    assert "base_image" in str(info.value)


def test_empty_container_keys_are_fine() -> None:
    assert expand({"system_packages": [], "base_image": None})["system_packages"] == []


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"requirements": "numpy"}, "requirements"),
        ({"secrets": ["token"]}, "secrets"),
        ({"model_class_name": ""}, "model_class_name"),
        ({"runtime": {"predict_concurrency": 0}}, "runtime.predict_concurrency"),
        ({"runtime": {"predict_concurrency": True}}, "runtime.predict_concurrency"),
    ],
)
def test_a_wrongly_typed_key_is_named(raw: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigError) as info:
        expand(raw)
    assert info.value.field == field


def test_read_config_names_the_file_when_missing_or_invalid(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"has no config\.yaml"):
        read_config(tmp_path)
    (tmp_path / "config.yaml").write_text("model_name: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        read_config(tmp_path)
    (tmp_path / "config.yaml").write_text("- a list\n")
    with pytest.raises(ConfigError, match="must hold a mapping"):
        read_config(tmp_path)


def test_the_config_tells_where_the_model_and_its_packages_are(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(
        "model_module_dir: src\nmodel_class_filename: main.py\nmodel_class_name: Net\n"
        "external_package_dirs: [../shared]\nsecrets: {token: null}\n"
        "runtime: {predict_concurrency: 3}\n"
    )
    config = read_config(tmp_path)
    assert config.model_file == tmp_path / "src" / "main.py"
    assert config.model_class_name == "Net"
    assert config.package_dirs == ["packages", "../shared"]
    assert config.secret_names == ("token",)
    assert config.predict_concurrency == 3
