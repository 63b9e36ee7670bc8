"""Bad OMAF artifacts: each is refused with one clear line naming what is wrong, and nothing is
registered."""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from modelport.builder.build import build_project
from modelport.builder.build_options import BuildOptions
from modelport.errors import ModelportError
from modelport.registry.uris import open_store
from modelport.settings import Settings

from ..cli import run_cli
from .conftest import zip_folder


def _edit(relative: str, old: str, new: str) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        path = folder / relative
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new))

    return change


def _remove_manifest(folder: Path) -> None:
    (folder / "odahuflow.model.yaml").unlink()


def _without_binaries(folder: Path) -> None:
    manifest = folder / "odahuflow.model.yaml"
    lines = manifest.read_text().splitlines()
    manifest.write_text("\n".join(lines[4:]) + "\n")
    assert "binaries" not in manifest.read_text()


CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "no manifest": (_remove_manifest, "has no odahuflow.model.yaml"),
    "no binaries": (_without_binaries, "binaries is missing"),
    "bad name": (
        _edit("odahuflow.model.yaml", "name: iris-matrix", "name: iris_matrix"),
        "model.name 'iris_matrix' is not valid",
    ),
    "bad version": (
        _edit("odahuflow.model.yaml", "version: 1.2.0-build7", "version: v1.2"),
        "model.version 'v1.2' is not valid",
    ),
    "missing entrypoint": (
        _edit("odahuflow.model.yaml", "entrypoint: entrypoint", "entrypoint: predictor"),
        "model.entrypoint 'predictor' is not a module",
    ),
    "init raises": (
        _edit("model/entrypoint.py", "    global _classifier\n", "    raise OSError('no GPU')\n"),
        "entrypoint.init() raised OSError: no GPU",
    ),
    "java": (
        _edit("odahuflow.model.yaml", "type: python", "type: java"),
        "binaries.type java (the GJPI) is not supported",
    ),
    "conda-only package": (
        _edit("model/environment.yml", "  - numpy\n", "  - numpy\n  - cudatoolkit=11.8\n"),
        "conda-only packages cannot be installed: cudatoolkit=11.8",
    ),
}


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("MODELPORT_HOME", str(tmp_path / "home"))
    return Settings()


@pytest.mark.parametrize("case", list(CASES))
def test_refused_in_one_line_and_not_registered(
    case: str, iris_folder: Path, tmp_path: Path, settings: Settings
) -> None:
    change, expected = CASES[case]
    folder = Path(shutil.copytree(iris_folder, tmp_path / "artifact"))
    change(folder)
    archive = zip_folder(folder, tmp_path / "artifact.zip")
    store = open_store(None, settings=settings)
    with pytest.raises(ModelportError) as caught:
        build_project(archive, store=store, settings=settings, options=BuildOptions(env="inherit"))
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message
    assert store.list_models() == []


def test_zip_with_parent_paths_is_refused_by_the_cli(iris_zip: Path, tmp_path: Path) -> None:
    archive = tmp_path / "escape.zip"
    shutil.copyfile(iris_zip, archive)
    with zipfile.ZipFile(archive, "a") as writing:
        writing.writestr("../outside.py", "print('escaped')\n")
    home = tmp_path / "home"
    result = run_cli("build", str(archive), "--env", "inherit", home=home)
    assert result.code == 1
    assert result.stderr.strip().splitlines() == [
        "error: escape.zip: entry '../outside.py' contains a '..' component; nothing was "
        "unpacked. An OMAF artifact holds only regular files and folders, at paths inside it"
    ]
    assert not (tmp_path / "outside.py").exists()
    assert not list((home / "odahu").glob("*/model"))
    listing = run_cli("models", "list", "--json", home=home)
    assert listing.json() == []
