"""``modelport export --format omaf`` on the iris example: a valid OMAF ZIP that imports back with
identical predictions, and whose entrypoint a GPPI runner written from the spec can drive."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx
import pytest
from sklearn import datasets

from modelport.dependencies import DependencyFile
from modelport.formats.odahu.manifest import read_manifest

from ..cli import run_cli
from .conftest import serving

EXAMPLE = Path(__file__).parents[3] / "examples" / "iris"
FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(home holding iris:1 and its OMAF re-import iris-omaf:1, the OMAF ZIP)."""
    home = tmp_path_factory.mktemp("export-home")
    work = tmp_path_factory.mktemp("export")
    project = Path(shutil.copytree(EXAMPLE, work / "iris"))
    built = run_cli("build", str(project), "--env", "inherit", "--skip-tests", home=home)
    assert built.code == 0, built.stderr
    archive = work / "iris-omaf.zip"
    result = run_cli("export", "iris:1", "--format", "omaf", "-o", str(archive), home=home)
    assert result.code == 0, result.stderr
    back = run_cli("build", str(archive), "--name", "iris-omaf", "--env", "inherit", home=home)
    assert back.code == 0, back.stderr
    return home, archive


def test_the_zip_is_an_omaf_artifact(exported: tuple[Path, Path], tmp_path: Path) -> None:
    _, archive = exported
    with zipfile.ZipFile(archive) as omaf:
        assert {info.compress_type for info in omaf.infolist()} == {zipfile.ZIP_DEFLATED}
        omaf.extractall(tmp_path)
    manifest = read_manifest(tmp_path / "odahuflow.model.yaml")
    assert (manifest.binary_type, manifest.dependencies) == ("python", "conda")
    assert (manifest.name, manifest.work_dir) == ("iris", "model")
    assert (tmp_path / manifest.work_dir / f"{manifest.entrypoint}.py").is_file()
    assert manifest.toolchain["name"] == "modelport"
    assert manifest.conda_path is not None
    conda = DependencyFile("conda", tmp_path / manifest.conda_path).read()
    assert any(r.startswith("modelport==") for r in conda.requirements)
    assert any(r.startswith("scikit-learn==") for r in conda.requirements)


def test_imports_back_with_identical_predictions(exported: tuple[Path, Path]) -> None:
    home, _ = exported
    records = [dict(zip(FEATURES, row, strict=True)) for row in datasets.load_iris().data.tolist()]
    with serving(home, "iris") as original, serving(home, "iris-omaf") as imported:
        expected = httpx.post(f"{original}/v1/models/iris/predict", json=records, timeout=30)
        again = httpx.post(f"{imported}/v1/models/iris-omaf/predict", json=records, timeout=30)
        invoked = httpx.post(
            f"{imported}/api/model/invoke",
            json={"columns": FEATURES[::-1], "data": [list(r.values())[::-1] for r in records]},
            timeout=30,
        )
    assert expected.status_code == again.status_code == invoked.status_code == 200
    species = [row["species"] for row in expected.json()]
    assert len(set(species)) == 3
    assert [row["species"] for row in again.json()] == species
    assert invoked.json() == {"prediction": [[s] for s in species], "columns": ["species"]}
    assert invoked.headers["Model-Name"] == "iris"


def test_a_gppi_runner_drives_the_entrypoint(exported: tuple[Path, Path], tmp_path: Path) -> None:
    _, archive = exported
    data = datasets.load_iris().data[[0, 60, 120]]
    request = tmp_path / "request.json"
    request.write_text(json.dumps({"columns": FEATURES, "data": data.tolist()}))
    runner = Path(__file__).parent / "gppi_runner.py"
    completed = subprocess.run(
        [sys.executable, str(runner), str(archive), str(request)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    answer = json.loads(completed.stdout)
    assert answer["mode"] == "matrix"
    assert [p["name"] for p in answer["inputs"]] == FEATURES
    assert answer["inputs"][0] == {
        "name": "sepal_length",
        "type": "number",
        "required": True,
        "example": 5.1,
    }
    assert [p["name"] for p in answer["outputs"]] == ["species"]
    assert answer["columns"] == ["species"]
    assert answer["prediction"] == [[0], [1], [2]]
