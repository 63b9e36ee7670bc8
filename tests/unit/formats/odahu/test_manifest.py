"""The OMAF manifest: every field validated, with errors naming the field."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from modelport.errors import ConfigError
from modelport.formats.odahu.manifest import find_manifest, parse_manifest, read_manifest

SPEC_EXAMPLE: dict[str, Any] = {
    "binaries": {
        "type": "python",
        "dependencies": "conda",
        "conda_path": "mlflow/model/mlflow_env.yml",
    },
    "model": {
        "name": "wine-quality",
        "version": "1.0.0-12333122",
        "workDir": "mlflow/model",
        "entrypoint": "entrypoint",
    },
    "odahuflowVersion": "1.0",
    "toolchain": {"name": "mlflow", "version": "1.0.0", "submodule": "pyfunc"},
}


def _with(path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(SPEC_EXAMPLE)
    *parents, key = path.split(".")
    section = data
    for parent in parents:
        section = section[parent]
    if value is None:
        del section[key]
    else:
        section[key] = value
    return data


def test_the_spec_example_reads() -> None:
    manifest = parse_manifest(SPEC_EXAMPLE)
    assert (manifest.name, manifest.version) == ("wine-quality", "1.0.0-12333122")
    assert (manifest.work_dir, manifest.entrypoint) == ("mlflow/model", "entrypoint")
    assert manifest.conda_path == "mlflow/model/mlflow_env.yml"
    assert manifest.odahuflow_version == "1.0"
    metadata = manifest.metadata()
    assert metadata["version"] == "1.0.0-12333122"
    assert metadata["odahu"]["toolchain"]["submodule"] == "pyfunc"
    assert metadata["odahu"]["manifest"] == "odahuflow.model.yaml"


@pytest.mark.parametrize("version", ["1", "1.0", "2.3.4", "1.0.0-rc.1", "0.9-SNAPSHOT-2"])
def test_apache_versions_with_suffixes(version: str) -> None:
    assert parse_manifest(_with("model.version", version)).version == version


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("binaries", None, "binaries"),
        ("binaries", "python", "binaries"),
        ("binaries.type", None, "binaries.type"),
        ("binaries.type", "rust", "binaries.type"),
        ("binaries.dependencies", "pip", "binaries.dependencies"),
        ("binaries.conda_path", None, "binaries.conda_path"),
        ("binaries.conda_path", "../env.yml", "binaries.conda_path"),
        ("binaries.conda_path", "/etc/env.yml", "binaries.conda_path"),
        ("model", None, "model"),
        ("model.name", "wine_quality", "model.name"),
        ("model.name", None, "model.name"),
        ("model.version", "v1", "model.version"),
        ("model.version", "1.0-bad/suffix", "model.version"),
        ("model.workDir", "../outside", "model.workDir"),
        ("model.entrypoint", "my-module", "model.entrypoint"),
        ("model.entrypoint", None, "model.entrypoint"),
        ("odahuflowVersion", ["1"], "odahuflowVersion"),
        ("toolchain", "mlflow", "toolchain"),
        ("toolchain.name", ["mlflow"], "toolchain.name"),
        ("toolchain.version", {"major": 1}, "toolchain.version"),
    ],
)
def test_each_bad_field_is_named(path: str, value: Any, field: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_manifest(_with(path, value))
    assert caught.value.field == field
    assert field in str(caught.value)
    assert "\n" not in str(caught.value)


def test_java_artifacts_are_read_for_inspection() -> None:
    data = _with("binaries.type", "java")
    data["binaries"] = {"type": "java", "dependencies": "maven"}
    data["model"]["entrypoint"] = "model.jar"
    manifest = parse_manifest(data)
    assert (manifest.binary_type, manifest.entrypoint, manifest.conda_path) == (
        "java",
        "model.jar",
        None,
    )


def test_work_dir_defaults_to_the_root() -> None:
    assert parse_manifest(_with("model.workDir", None)).work_dir == "."
    assert parse_manifest(_with("model.workDir", "./")).work_dir == "."


def test_both_manifest_names_are_found(tmp_path: Path) -> None:
    assert find_manifest(tmp_path) is None
    (tmp_path / "odahuflow.project.yaml").write_text("{}")
    assert find_manifest(tmp_path) == tmp_path / "odahuflow.project.yaml"
    (tmp_path / "odahuflow.model.yaml").write_text("{}")
    assert find_manifest(tmp_path) == tmp_path / "odahuflow.model.yaml"


def test_yaml_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "odahuflow.project.yaml"
    path.write_text("binaries: [unclosed\n")
    with pytest.raises(ConfigError, match=r"odahuflow\.project\.yaml is not valid YAML"):
        read_manifest(path)
