"""A BYOP zip's requirements.txt builds the model's environment (slow: one real uv environment
per session, quick to make again through uv's cache). Built through the library: the command's
options for uploads are tested in test_upload_cli."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from sklearn.preprocessing import StandardScaler

from modelport.artifact.reader import open_artifact
from modelport.builder.build import build_project
from modelport.errors import ModelportError
from modelport.formats.wallaroo.options import upload_options
from modelport.registry.entities import ModelVersion
from modelport.registry.uris import open_store
from modelport.settings import Settings

from .conftest import BYOP, zip_folder

pytestmark = pytest.mark.slow

SCHEMAS = {
    "input_schema": pa.schema([pa.field("tensor", pa.list_(pa.float64(), 2))]),
    "output_schema": pa.schema([pa.field("scaled", pa.list_(pa.float64(), 2))]),
}


def scaler_zip(tmp_path: Path, requirements: str) -> Path:
    folder = tmp_path / "scaler"
    folder.mkdir()
    (folder / "inference.py").write_text((BYOP / "sklearn_scaler" / "inference.py").read_text())
    (folder / "requirements.txt").write_text(requirements)
    scaler = StandardScaler().fit(np.array([[0.0, 10.0], [2.0, 30.0]]))
    (folder / "scaler.pkl").write_bytes(pickle.dumps(scaler))
    return zip_folder(folder, tmp_path / "scaler.zip")


def build_in_its_environment(archive: Path, home: Path) -> tuple[ModelVersion, list[str]]:
    """The version built in an environment of its own, and the lines of its lock."""
    settings = Settings(home=home)
    with open_store(None, settings=settings) as store:
        version = build_project(
            archive,
            store=store,
            settings=settings,
            format_options=upload_options(framework="custom", **SCHEMAS),
        ).version
        lock = open_artifact(store.artifact_path(version)).manifest.lock
    return version, lock.splitlines() if isinstance(lock, str) else lock


def test_the_requirements_go_into_the_models_environment(tmp_path: Path) -> None:
    requirements = (BYOP / "sklearn_scaler" / "requirements.txt").read_text()
    version, lock = build_in_its_environment(scaler_zip(tmp_path, requirements), tmp_path / "home")
    assert version.build["environment"] == "venv"
    assert any(line.startswith("scikit-learn==") for line in lock)


def test_a_requirements_file_that_does_not_install_fails_the_build(tmp_path: Path) -> None:
    archive = scaler_zip(tmp_path, "numpy<1.0\n")  # modelport itself needs numpy>=1.24
    with pytest.raises(ModelportError) as caught:
        build_in_its_environment(archive, tmp_path / "home")
    assert "could not resolve the requirements" in caught.value.message
    assert "numpy" in str(caught.value)
