"""MLflow model folders and zips: detected by their MLmodel file, laid out with the environment
file MLflow wrote beside the model, refused clearly when mlflow.pyfunc could not load them."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from modelport.errors import ConfigError
from modelport.formats.mlflow.format import MlflowFormat
from modelport.formats.mlflow.mlmodel import read_mlmodel

MLMODEL = """\
flavors:
  python_function:
    env: {conda: conda.yaml, virtualenv: python_env.yaml}
    loader_module: mlflow.sklearn
    model_path: model.skops
  sklearn: {pickled_model: model.skops, serialization_format: skops}
mlflow_version: 3.17.2
model_uuid: m-74cb4fda3b804662be8abd7debd8f2a8
run_id: 5590b42fe6714dae9a8de81c022872f2
"""


def model_folder(root: Path, *, files: tuple[str, ...] = ("requirements.txt",)) -> Path:
    folder = root / "iris_model"
    folder.mkdir()
    (folder / "MLmodel").write_text(MLMODEL)
    (folder / "model.skops").write_bytes(b"weights")
    contents = {
        "requirements.txt": "mlflow==3.17.2\nscikit-learn==1.9.1\n",
        "python_env.yaml": "python: 3.11.7\nbuild_dependencies: [pip]\n"
        "dependencies: [-r requirements.txt]\n",
        "conda.yaml": "dependencies:\n- python=3.11.7\n- pip:\n  - mlflow==3.17.2\n",
    }
    for name in files:
        (folder / name).write_text(contents[name])
    return folder


def test_a_folder_and_zips_of_it_are_detected(tmp_path: Path) -> None:
    folder = model_folder(tmp_path)
    adapter = MlflowFormat()
    assert adapter.detect(folder) == 0.95
    assert adapter.detect(folder / "MLmodel") == 0.95
    nested, flat = tmp_path / "nested.zip", tmp_path / "flat.zip"
    with zipfile.ZipFile(nested, "w") as archive:
        for file in folder.iterdir():
            archive.write(file, f"iris_model/{file.name}")
    with zipfile.ZipFile(flat, "w") as archive:
        for file in folder.iterdir():
            archive.write(file, file.name)
    assert adapter.detect(nested) == adapter.detect(flat) == 0.9
    assert (adapter.layout(nested).root / "MLmodel").is_file()
    assert (adapter.layout(flat).root / "MLmodel").is_file()
    assert adapter.detect(tmp_path) == 0.0  # no MLmodel at its top


def test_the_environment_comes_from_requirements_then_python_env_then_conda(
    tmp_path: Path,
) -> None:
    adapter = MlflowFormat()
    every = model_folder(tmp_path, files=("requirements.txt", "python_env.yaml", "conda.yaml"))
    layout = adapter.layout(every)
    assert layout.dependency_file is not None and layout.dependency_file.kind == "requirements"
    assert layout.default_name == "iris-model"
    assert "MLmodel" in layout.sources and "model.skops" in layout.sources

    (every / "requirements.txt").rename(tmp_path / "elsewhere.txt")
    (tmp_path / "elsewhere.txt").rename(every / "pinned.txt")
    (every / "python_env.yaml").write_text("python: 3.11.7\ndependencies: [-r pinned.txt]\n")
    python_env = adapter.layout(every).dependency_file
    assert python_env is not None and python_env.kind == "python_env"
    assert python_env.requirements() == ["mlflow==3.17.2", "scikit-learn==1.9.1"]
    assert python_env.python_requirement() == "==3.11.7"

    (every / "python_env.yaml").unlink()
    conda = adapter.layout(every).dependency_file
    assert conda is not None and conda.kind == "conda"
    assert conda.requirements() == ["mlflow==3.17.2"]


def test_the_mlmodel_gives_run_and_flavors(tmp_path: Path) -> None:
    read = read_mlmodel(model_folder(tmp_path))
    assert read.loader_module == "mlflow.sklearn"
    metadata = read.metadata()
    assert metadata["mlflow_run_id"] == "5590b42fe6714dae9a8de81c022872f2"
    assert metadata["flavors"] == ["python_function", "sklearn"]
    assert metadata["framework"] == "mlflow"


def test_a_model_without_the_pyfunc_flavor_is_refused(tmp_path: Path) -> None:
    folder = model_folder(tmp_path)
    (folder / "MLmodel").write_text("flavors:\n  spark: {model_data: sparkml}\n")
    with pytest.raises(ConfigError, match="no python_function flavor") as caught:
        MlflowFormat().layout(folder)
    assert caught.value.field == "flavors"


def test_a_zip_without_a_model_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "other.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("a/b/MLmodel", "flavors: {}\n")  # too deep to be the model's
    assert MlflowFormat().detect(archive) == 0.0
    with pytest.raises(ConfigError, match="holds no MLmodel"):
        MlflowFormat().layout(archive)
