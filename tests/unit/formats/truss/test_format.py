"""The Truss adapter reading a Truss folder without running its code: detection, the packaged
files, requirements from config.yaml, and what the registry keeps."""

from __future__ import annotations

import json
import platform
import re
from pathlib import Path

import pytest

from modelport.errors import ConfigError
from modelport.formats.truss.config import read_config
from modelport.formats.truss.format import TrussFormat, _external_files, _metadata
from modelport.secrets import SecretStore

_RUNNING = "".join(platform.python_version_tuple()[:2])


def _truss(root: Path, config: str = "model_name: Demo Model\n") -> Path:
    (root / "model").mkdir(parents=True)
    (root / "model" / "model.py").write_text("class Model:\n    def predict(self, x): return x\n")
    (root / "config.yaml").write_text(config)
    return root


def test_a_truss_is_detected_by_its_config_and_model_folder(tmp_path: Path) -> None:
    adapter = TrussFormat()
    assert adapter.detect(tmp_path) == 0.0
    (tmp_path / "config.yaml").write_text("{}")
    assert 0 < adapter.detect(tmp_path) < 0.5, "a config.yaml alone is a weak sign"
    (tmp_path / "model").mkdir()
    assert adapter.detect(tmp_path) > 0.9


def test_the_layout_packages_config_model_data_packages_and_examples(tmp_path: Path) -> None:
    root = _truss(tmp_path / "demo", "model_name: Demo Model\nrequirements: [numpy>=1.24]\n")
    (root / "data").mkdir()
    (root / "data" / "weights.bin").write_bytes(b"\0")
    (root / "packages" / "util").mkdir(parents=True)
    (root / "packages" / "util" / "__init__.py").write_text("")
    (root / "examples.yaml").write_text("- name: one\n  input: {x: 1}\n")
    (root / "notes.txt").write_text("not packaged")
    layout = TrussFormat().layout(root)
    assert layout.sources == (
        "config.yaml",
        "data/weights.bin",
        "examples.yaml",
        "model/model.py",
        "packages/util/__init__.py",
    )
    assert layout.default_name == "demo-model"
    assert layout.requirements == ("numpy>=1.24",)


def test_requirements_file_is_read_and_must_exist(tmp_path: Path) -> None:
    root = _truss(tmp_path / "demo", "requirements_file: deps.txt\n")
    with pytest.raises(ConfigError, match=re.escape("requirements_file 'deps.txt' does not exist")):
        TrussFormat().layout(root)
    (root / "deps.txt").write_text("six>=1.16\n# a comment\n")
    named = TrussFormat().layout(root).dependency_file
    assert named is not None and named.requirements() == ["six>=1.16"]


def test_external_package_folders_outside_the_truss_are_copied(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "common.py").write_text("X = 1\n")
    root = _truss(tmp_path / "demo", "external_package_dirs: [../shared]\n")
    files = _external_files(read_config(root))
    assert files == {"src/_external_packages/0/common.py": str(tmp_path / "shared" / "common.py")}
    missing = _truss(tmp_path / "other", "external_package_dirs: [../absent]\n")
    with pytest.raises(ConfigError, match=re.escape("'../absent' does not exist")):
        _external_files(read_config(missing))


def test_the_registry_keeps_the_config_with_secret_names_only(tmp_path: Path) -> None:
    root = _truss(tmp_path / "demo", "secrets: {token: pasted-by-mistake}\nresources: {cpu: 2}\n")
    metadata = _metadata(read_config(root))
    assert metadata["truss_config"]["secrets"] == ["token"]
    assert "pasted-by-mistake" not in str(metadata)
    assert metadata["resources"]["cpu"] == 2


@pytest.mark.parametrize(
    ("declared", "noted"),
    [("python_version: py27\n", True), (f"python_version: py{_RUNNING}\n", False), ("", False)],
)
def test_python_version_is_only_noted_when_it_differs_from_the_builds(
    tmp_path: Path, declared: str, noted: bool
) -> None:
    root = _truss(tmp_path / "demo", "model_name: demo\n" + declared)
    adapter = TrussFormat()
    output = adapter.build_step(adapter.layout(root), tmp_path / "out")
    note = (
        f"config.yaml asks for python_version py27; this build uses Python "
        f"{platform.python_version()}"
    )
    assert (note in output.notes) is noted
    assert not [line for line in output.notes if "python_version" in line and not noted]


def test_environment_variables_that_look_like_credentials_move_to_the_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (
        "HF_TOKEN",
        "openai_api_key",
        "DB_PASSWORD",
        "GREETING",
        "KEYBOARD",
        "EMPTY_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)  # the build step sets them in this process
    monkeypatch.setenv("MODELPORT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MODELPORT_WORKSPACE", raising=False)
    root = _truss(
        tmp_path / "demo",
        "model_name: demo\nenvironment_variables:\n"
        "  HF_TOKEN: hf_abc\n  openai_api_key: sk-1\n  DB_PASSWORD: pw\n"
        "  GREETING: hello\n  KEYBOARD: us\n  EMPTY_TOKEN: ''\n",
    )
    adapter = TrussFormat()
    output = adapter.build_step(adapter.layout(root), tmp_path / "out")
    (warning,) = [note for note in output.notes if "credential" in note]
    assert warning.startswith(
        "warning: config.yaml sets environment variables 'HF_TOKEN', 'openai_api_key', "
        "'DB_PASSWORD' that look like credentials: moved to the secrets, out of the artifact"
    )
    assert "modelport secret set HF_TOKEN" in warning and "hf_abc" not in warning
    for name in ("GREETING", "KEYBOARD", "EMPTY_TOKEN"):
        assert name not in warning
    packaged = (tmp_path / "out" / "config.yaml").read_text()
    for value in ("hf_abc", "sk-1", "pw"):
        assert value not in packaged
        assert value not in json.dumps(output.metadata)
    assert output.metadata["truss_secret_variables"] == [
        "HF_TOKEN",
        "openai_api_key",
        "DB_PASSWORD",
    ]
    assert output.metadata["truss_config"]["environment_variables"] == {
        "GREETING": "hello",
        "KEYBOARD": "us",
        "EMPTY_TOKEN": "",
    }
    assert output.files["src/config.yaml"] == str(tmp_path / "out" / "config.yaml")
    store = SecretStore(tmp_path / "home", "default")
    assert (store.get("HF_TOKEN"), store.get("DB_PASSWORD")) == ("hf_abc", "pw")


def test_a_truss_without_credential_variables_gets_no_such_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GREETING", raising=False)
    root = _truss(tmp_path / "demo", "model_name: demo\nenvironment_variables: {GREETING: hi}\n")
    adapter = TrussFormat()
    output = adapter.build_step(adapter.layout(root), tmp_path / "out")
    assert not [note for note in output.notes if "credential" in note]
