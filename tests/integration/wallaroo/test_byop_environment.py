"""A zip's requirements.txt builds the model's environment (slow: one real uv environment per
session, quick to make again through uv's cache): a BYOP model's, and a zipped python step's asking
for the same packages, which shares it. There, without PYTHONPATH, the developer's own local test
harness imports ``mac`` and runs the BYOP model's builder, and the step imports its helpers.
Built through the library: the command's options for uploads are tested in test_upload_cli."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from sklearn.preprocessing import StandardScaler

from modelport.artifact.reader import open_artifact
from modelport.builder.build import BuildResult, build_project
from modelport.errors import ModelportError
from modelport.formats.wallaroo.mac_modules import PATH_FILE
from modelport.formats.wallaroo.options import upload_options
from modelport.registry.uris import open_store
from modelport.settings import Settings

from .conftest import BYOP, zip_folder
from .test_zipped_steps import HOUSE_FEATURES, LISTINGS, TENSOR

pytestmark = pytest.mark.slow

SCHEMAS = {
    "input_schema": pa.schema([pa.field("tensor", pa.list_(pa.float64(), 2))]),
    "output_schema": pa.schema([pa.field("scaled", pa.list_(pa.float64(), 2))]),
}
SCALER = BYOP / "sklearn_scaler"


def scaler_project(tmp_path: Path, requirements: str) -> Path:
    """The BYOP scaler as its developer keeps it: the model's folder (zipped for the upload)
    beside the script trying it locally."""
    project = tmp_path / "scaler-project"
    folder = project / "scaler"
    folder.mkdir(parents=True)
    shutil.copy(SCALER / "inference.py", folder)
    (folder / "requirements.txt").write_text(requirements)
    scaler = StandardScaler().fit(np.array([[0.0, 10.0], [2.0, 30.0]]))
    (folder / "scaler.pkl").write_bytes(pickle.dumps(scaler))
    shutil.copy(BYOP / "try_scaler_locally.py", project)
    zip_folder(folder, project / "scaler.zip")
    return project


def build_in_its_environment(
    archive: Path, home: Path, **options: pa.Schema | str
) -> tuple[BuildResult, list[str]]:
    """The build in an environment of its own, and the lines of its lock."""
    settings = Settings(home=home)
    with open_store(None, settings=settings) as store:
        result = build_project(
            archive,
            store=store,
            settings=settings,
            format_options=upload_options(**options),  # type: ignore[arg-type]
        )
        lock = open_artifact(store.artifact_path(result.version)).manifest.lock
    return result, lock.splitlines() if isinstance(lock, str) else lock


@dataclass(frozen=True)
class Built:
    byop: BuildResult
    byop_lock: list[str]
    step: BuildResult
    step_lock: list[str]
    project: Path
    """The BYOP model's folder, beside its local test harness."""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    work = tmp_path_factory.mktemp("zip-environments")
    home = work / "home"
    requirements = (SCALER / "requirements.txt").read_text()
    assert requirements == (HOUSE_FEATURES / "requirements.txt").read_text()  # one environment
    project = scaler_project(work, requirements)
    byop, byop_lock = build_in_its_environment(
        project / "scaler.zip", home, framework="custom", **SCHEMAS
    )
    step, step_lock = build_in_its_environment(
        zip_folder(HOUSE_FEATURES, work / "house_features.zip"),
        home,
        framework="python",
        input_schema=LISTINGS,
        output_schema=TENSOR,
    )
    return Built(byop, byop_lock, step, step_lock, project)


def run_in(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` as the developer runs it: no PYTHONPATH, no activated virtualenv."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # nothing written into the test's sources
    return subprocess.run(
        [str(python), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_requirements_go_into_the_models_environment(built: Built) -> None:
    assert built.byop.version.build["environment"] == "venv"
    assert any(line.startswith("scikit-learn==") for line in built.byop_lock)


def test_a_zipped_steps_requirements_build_its_environment(built: Built) -> None:
    assert built.step.version.metadata["framework"] == "python"
    assert built.step.version.build["environment"] == "venv"
    assert any(line.startswith("scikit-learn==") for line in built.step_lock)
    assert built.step.environment.reused  # the BYOP model's: the same packages
    assert built.step.environment.python == built.byop.environment.python
    ran = run_in(  # the step's folder, as its developer tries it
        built.step.environment.python,
        "-c",
        "from preprocess import process_data; import numpy as np; "
        "print(process_data({'sqft_living': np.array([3]), 'sqft_lot': np.array([4]), "
        "'yr_built': np.array([1990]), 'yr_renovated': np.array([0])})['tensor'].tolist())",
        cwd=HOUSE_FEATURES,
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "[[0.6000000238418579, 0.800000011920929, 0.0, 0.0]]"


def test_the_developers_own_harness_imports_mac_there(built: Built) -> None:
    python = built.byop.environment.python
    ran = run_in(python, "try_scaler_locally.py", cwd=built.project)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "[[-1.0, -1.0], [1.0, 1.0]]"
    [path_file] = built.byop.environment.root.glob(f"lib/python*/site-packages/{PATH_FILE}")
    assert "formats/wallaroo/compat" in path_file.read_text()


def test_a_requirements_file_that_does_not_install_fails_the_build(tmp_path: Path) -> None:
    project = scaler_project(tmp_path, "numpy<1.0\n")  # modelport itself needs numpy>=1.24
    with pytest.raises(ModelportError) as caught:
        build_in_its_environment(
            project / "scaler.zip", tmp_path / "home", framework="custom", **SCHEMAS
        )
    assert "could not resolve the requirements" in caught.value.message
    assert "numpy" in str(caught.value)
