"""OMAF artifacts made by the tests from the small sources under ``sources/`` (a scikit-learn
classifier trained on the bundled iris data), built once per session with ``--env inherit``."""

from __future__ import annotations

import pickle
import shutil
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sklearn import datasets, linear_model

from modelport.testing import start_server

from ..cli import run_cli

SOURCES = Path(__file__).parent / "sources"

Built = dict[str, dict[str, Any]]
"""Registered versions (as `modelport build --json` shows them) by model name."""


def zip_folder(folder: Path, dest: Path) -> Path:
    """The folder's files as an OMAF ZIP (Deflate), paths relative to the folder."""
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return dest


def tgz_folder(folder: Path, dest: Path) -> Path:
    """The folder's files as a .tgz, the way Odahu's tools packed artifacts."""
    with tarfile.open(dest, "w:gz") as archive:
        for path in sorted(folder.rglob("*")):
            archive.add(path, arcname=f"./{path.relative_to(folder).as_posix()}", recursive=False)
    return dest


def copy_source(name: str, dest: Path) -> Path:
    return Path(shutil.copytree(SOURCES / name, dest))


@pytest.fixture(scope="session")
def iris_classifier() -> linear_model.LogisticRegression:
    iris = datasets.load_iris()
    return linear_model.LogisticRegression(max_iter=1000).fit(iris.data, iris.target)


@pytest.fixture(scope="session")
def iris_folder(
    tmp_path_factory: pytest.TempPathFactory, iris_classifier: linear_model.LogisticRegression
) -> Path:
    """The matrix-mode artifact's files, with the trained classifier the entrypoint loads."""
    folder = copy_source("iris_matrix", tmp_path_factory.mktemp("odahu-src") / "iris_matrix")
    (folder / "model" / "classifier.pkl").write_bytes(pickle.dumps(iris_classifier))
    return folder


@pytest.fixture(scope="session")
def iris_zip(iris_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return zip_folder(iris_folder, tmp_path_factory.mktemp("odahu-zip") / "iris-matrix.zip")


@pytest.fixture(scope="session")
def counter_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_source("counter_objects", tmp_path_factory.mktemp("odahu-src") / "counter")


@pytest.fixture(scope="session")
def odahu_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("odahu-home")


@pytest.fixture(scope="session")
def built(odahu_home: Path, iris_zip: Path, counter_folder: Path) -> Built:
    """iris-matrix:1 from the ZIP and counter:1 from the folder, registered in ``odahu_home``."""
    versions: Built = {}
    for path in (iris_zip, counter_folder):
        result = run_cli("build", str(path), "--env", "inherit", "--json", home=odahu_home)
        assert result.code == 0, result.stderr
        version = result.json()["version"]
        versions[version["model"]] = version
    return versions


@pytest.fixture(scope="session")
def rates_built(odahu_home: Path, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """``rates-two`` and ``rates-three``: the same matrix-mode entrypoint in two artifacts whose
    ``app/rate.txt`` (read relative to the working directory at each prediction) differ."""
    names = []
    for name, rate in (("rates-two", "2"), ("rates-three", "3")):
        folder = copy_source("rates_matrix", tmp_path_factory.mktemp("odahu-src") / name)
        (folder / "app" / "rate.txt").write_text(rate)
        manifest = folder / "odahuflow.model.yaml"
        manifest.write_text(manifest.read_text().replace("name: rates", f"name: {name}"))
        result = run_cli("build", str(folder), "--env", "inherit", home=odahu_home)
        assert result.code == 0, result.stderr
        names.append(name)
    return names


@pytest.fixture(scope="session")
def receipt_built(odahu_home: Path) -> str:
    """``receipt``: an objects-mode entrypoint returning objects of its declared output type."""
    result = run_cli("build", str(SOURCES / "receipt_objects"), "--env", "inherit", home=odahu_home)
    assert result.code == 0, result.stderr
    return "receipt"


@contextmanager
def serving(home: Path, ref: str) -> Iterator[str]:
    """``modelport serve REF`` as a real process; yields its base URL once it is ready."""
    environ = {"MODELPORT_HOME": str(home)}
    with (
        tempfile.TemporaryDirectory(prefix="odahu-serve-") as logs,
        start_server(ref, log_dir=Path(logs), env=environ, ready_timeout=120) as server,
    ):
        yield server.url
