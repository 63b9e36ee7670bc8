"""What ``serve`` and ``predict`` are pointed at: a bare name is the registry, even when a folder
of that name is here; a path is the folder (or file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelport.cli.context import STATE
from modelport.cli.targets import is_path, resolve_target
from modelport.errors import NotFound

from .conftest import Invoke, Register


@pytest.mark.parametrize(
    ("target", "path"),
    [
        ("iris", False),
        ("iris:2", False),
        ("iris@production", False),
        ("models:/iris/2", False),
        ("models:/iris@production", False),
        ("./iris", True),
        ("iris/", True),
        ("/srv/models/iris", True),
        ("models/iris", True),
        (".", True),
        ("iris.zip", True),  # no registry name holds a dot
    ],
)
def test_a_bare_name_is_a_reference_and_anything_path_like_a_path(
    target: str, path: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "iris").mkdir()  # a folder named like the model changes nothing
    assert is_path(target) is path


def test_a_folder_named_like_a_registered_model_does_not_shadow_it(
    register: Register, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    version = register("iris", "one")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "iris").mkdir()
    (tmp_path / "iris" / "notes.txt").write_text("not a model project")
    STATE.begin(debug=False, registry_uri=None)
    try:
        target = resolve_target("iris", env="inherit", name=None, as_version=None)
        assert (target.name, target.version, target.digest) == ("iris", 1, version.digest)
        assert target.artifact == STATE.store.artifact_path(version)
    finally:
        STATE.begin(debug=False, registry_uri=None)


def test_a_bare_name_missing_from_the_registry_says_how_to_name_the_folder(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "iris").mkdir()
    result = invoke("predict", "iris", "--data", '[{"x": 1.0}]')
    assert isinstance(result.exception, NotFound)
    message = str(result.exception)
    assert "model 'iris' does not exist" in message
    assert "To build the folder ./iris, write ./iris" in message
    assert not (tmp_path / "home" / "blobs").exists()  # nothing was built


def test_a_path_that_is_not_there_is_named(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("predict", "./iris", "--data", '[{"x": 1.0}]')
    assert isinstance(result.exception, NotFound)
    assert str(result.exception).startswith("./iris does not exist (in ")
