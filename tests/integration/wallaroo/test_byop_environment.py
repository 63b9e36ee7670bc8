"""A BYOP zip's requirements.txt builds the model's environment (slow: one real uv environment
per session, quick to make again through uv's cache)."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from sklearn.preprocessing import StandardScaler

from modelport.formats.wallaroo.schemas import schema_to_base64

from ..cli import run_cli
from .conftest import BYOP, zip_folder

pytestmark = pytest.mark.slow


def schemas() -> list[str]:
    import pyarrow as pa

    inputs = pa.schema([pa.field("tensor", pa.list_(pa.float64(), 2))])
    outputs = pa.schema([pa.field("scaled", pa.list_(pa.float64(), 2))])
    return [
        "--input-schema", schema_to_base64(inputs), "--output-schema", schema_to_base64(outputs),
    ]  # fmt: skip


def scaler_zip(tmp_path: Path, requirements: str) -> Path:
    folder = tmp_path / "scaler"
    folder.mkdir()
    (folder / "inference.py").write_text((BYOP / "sklearn_scaler" / "inference.py").read_text())
    (folder / "requirements.txt").write_text(requirements)
    scaler = StandardScaler().fit(np.array([[0.0, 10.0], [2.0, 30.0]]))
    (folder / "scaler.pkl").write_bytes(pickle.dumps(scaler))
    return zip_folder(folder, tmp_path / "scaler.zip")


def test_the_requirements_go_into_the_models_environment(tmp_path: Path) -> None:
    requirements = (BYOP / "sklearn_scaler" / "requirements.txt").read_text()
    archive = scaler_zip(tmp_path, requirements)
    home = tmp_path / "home"
    result = run_cli("build", str(archive), "--framework", "custom", *schemas(), "--json",
                     home=home, timeout=900)  # fmt: skip
    assert result.code == 0, result.stderr
    version = result.json()["version"]
    assert version["build"]["environment"] == "venv"
    export = run_cli("export", f"{version['model']}:1", "-o", str(tmp_path / "a.zip"), home=home)
    assert export.code == 0, export.stderr
    import zipfile

    import yaml

    with zipfile.ZipFile(tmp_path / "a.zip") as zipped:
        manifest = yaml.safe_load(zipped.read("modelport.yaml"))
    assert any(line.startswith("scikit-learn==") for line in manifest["lock"])


def test_a_requirements_file_that_does_not_install_fails_the_build(
    tmp_path: Path,
) -> None:
    archive = scaler_zip(tmp_path, "numpy<1.0\n")  # modelport itself needs numpy>=1.24
    result = run_cli("build", str(archive), "--framework", "custom", *schemas(),
                     home=tmp_path / "home", timeout=900)  # fmt: skip
    assert result.code != 0
    assert "could not resolve the requirements" in result.stderr
    assert "numpy" in result.stderr
