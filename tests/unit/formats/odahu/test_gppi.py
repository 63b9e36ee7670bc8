"""Loading GPPI entrypoints: environment, path and working directory before the import, init()
and its mode, the optional functions, and the layout's conda environment."""

from __future__ import annotations

import json
import os
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from modelport.batch import Batch
from modelport.errors import ConfigError, InvalidInput, ModelFailed
from modelport.formats.odahu.format import OdahuFormat, read_artifact
from modelport.formats.odahu.gppi import NumpyAwareEncoder, load_gppi
from modelport.formats.odahu.manifest import OdahuManifest, parse_manifest
from modelport.formats.odahu.servable import OdahuServable
from modelport.schema import Signature

ENTRYPOINT = """
import os
LOCATION = os.environ["MODEL_LOCATION"]
CWD = os.getcwd()
SEEN = open("weights.txt").read()  # relative to the working directory, at import time


def init():
    return {mode!r}


def predict_on_matrix(matrix, columns):
    return [[SEEN, columns[0] if columns else None] for _ in matrix], ("seen", "first")
"""


@pytest.fixture(autouse=True)
def _process_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading sets MODEL_LOCATION and extends sys.path: undo both after each test."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setenv("MODEL_LOCATION", "")


def _artifact(root: Path, *, mode: str = "matrix", module: str = "entrypoint") -> OdahuManifest:
    work = root / "model"
    work.mkdir(parents=True)
    (work / f"{module}.py").write_text(ENTRYPOINT.format(mode=mode))
    (work / "weights.txt").write_text(root.name)
    (root / "env.yml").write_text("dependencies:\n  - numpy=1.26\n  - pip:\n    - modelport==0.1\n")
    data = {
        "binaries": {"type": "python", "dependencies": "conda", "conda_path": "env.yml"},
        "model": {"name": root.name, "version": "1.0", "workDir": "model", "entrypoint": module},
    }
    (root / "odahuflow.model.yaml").write_text(json.dumps(data))
    return parse_manifest(data)


def test_location_path_and_working_directory_before_the_import(tmp_path: Path) -> None:
    manifest = _artifact(tmp_path / "first")
    before = Path.cwd()
    model = load_gppi(tmp_path / "first", manifest)
    work = (tmp_path / "first" / "model").resolve()
    assert model.mode == "matrix"
    assert model.module.LOCATION == str(work) == os.environ["MODEL_LOCATION"]
    assert str(work) == model.module.CWD
    assert Path.cwd() == before
    assert model.predict_on_matrix([[1]], ["x"]) == ([["first", "x"]], ["seen", "first"])
    assert model.predict_on_matrix([[1]], None)[0] == [["first", None]]


def test_two_artifacts_with_the_same_module_name(tmp_path: Path) -> None:
    first = load_gppi(tmp_path / "one", _artifact(tmp_path / "one", module="shared_entry"))
    second = load_gppi(tmp_path / "two", _artifact(tmp_path / "two", module="shared_entry"))
    assert first.module.SEEN == "one" and second.module.SEEN == "two"
    again = load_gppi(tmp_path / "one", _manifest_of(tmp_path / "one"))
    assert again.module is first.module  # imported once per process


def _manifest_of(root: Path) -> OdahuManifest:
    return parse_manifest(json.loads((root / "odahuflow.model.yaml").read_text()))


@pytest.mark.parametrize(
    ("mode", "error", "message"),
    [
        ("tensor", ConfigError, "init() returned 'tensor'"),
        ("objects", ConfigError, "chose objects mode but the module has no predict_on_objects()"),
    ],
)
def test_init_must_choose_a_mode_it_implements(
    tmp_path: Path, mode: str, error: type[Exception], message: str
) -> None:
    root = tmp_path / f"mode-{mode}"
    manifest = _artifact(root, mode=mode, module=f"entry_{mode}")
    with pytest.raises(error) as caught:
        load_gppi(root, manifest)
    assert message in str(caught.value)


def test_a_module_without_init_is_named(tmp_path: Path) -> None:
    root = tmp_path / "no-init"
    manifest = _artifact(root, module="entry_no_init")
    (root / "model" / "entry_no_init.py").write_text(
        "def predict_on_matrix(m, c):\n    return m, c\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_gppi(root, manifest)
    assert "entrypoint entry_no_init has no init() function" in str(caught.value)
    assert caught.value.field == "init"


OUTPUT_TYPES = """
import dataclasses
import pydantic


class Plain:
    def __init__(self, label):
        self.label = label


class Labelled(pydantic.BaseModel):
    label: str


@dataclasses.dataclass
class Boxed:
    label: str


KIND = {kind}


def init():
    return "objects"


def get_object_output_type():
    return KIND


def predict_on_objects(objects):
    return [KIND(label=item["label"]) for item in objects] + [{{"label": "as is"}}]
"""


@pytest.mark.parametrize("kind", ["Plain", "Labelled", "Boxed"])
def test_objects_of_the_output_type_become_plain_values(tmp_path: Path, kind: str) -> None:
    root = tmp_path / kind
    manifest = _artifact(root, module=f"entry_out_{kind.lower()}")
    (root / "model" / f"entry_out_{kind.lower()}.py").write_text(OUTPUT_TYPES.format(kind=kind))
    servable = OdahuServable(root, manifest, name="out", signature=Signature.free(), metadata={})
    answer = json.loads(servable.invoke([{"label": "a"}]))
    assert answer == {"prediction": [{"label": "a"}, {"label": "as is"}]}


def test_import_errors_are_the_model_failing(tmp_path: Path) -> None:
    root = tmp_path / "broken"
    manifest = _artifact(root, module="entry_broken")
    (root / "model" / "entry_broken.py").write_text("import not_installed_anywhere\n")
    with pytest.raises(ModelFailed, match="importing entry_broken failed"):
        load_gppi(root, manifest)


def test_servable_matrix_batches_and_invoke(tmp_path: Path) -> None:
    root = tmp_path / "served"
    manifest = _artifact(root, module="entry_served")
    servable = OdahuServable(root, manifest, name="served", signature=Signature.free(), metadata={})
    table = servable.predict(Batch.from_columns({"x": np.array([1.0, 2.0])}))
    assert table.to_pylist() == [{"seen": "served", "first": "x"}] * 2
    answer = json.loads(servable.invoke({"columns": ["y"], "data": [[1]]}))
    assert answer == {"prediction": [["served", "y"]], "columns": ["seen", "first"]}
    with pytest.raises(InvalidInput, match="`data` is not a list of rows"):
        servable.invoke({"data": "rows"})


def test_default_encoder_writes_numpy_values() -> None:
    text = json.dumps({"a": np.float32(1.5), "b": np.arange(2)}, cls=NumpyAwareEncoder)
    assert json.loads(text) == {"a": 1.5, "b": [0, 1]}
    with pytest.raises(TypeError):
        json.dumps(Decimal(1), cls=NumpyAwareEncoder)


def test_layout_names_the_conda_file_without_modelport(tmp_path: Path) -> None:
    root = tmp_path / "laid-out"
    _artifact(root, module="entry_layout")
    layout = OdahuFormat().layout(root)
    assert layout.default_name == "laid-out"
    assert layout.dependency_file is not None
    assert layout.dependency_file.requirements() == ["numpy==1.26.*"]
    assert "model/entry_layout.py" in layout.sources and "odahuflow.model.yaml" in layout.sources


def test_java_artifacts_are_refused_to_build_but_read(tmp_path: Path) -> None:
    root = tmp_path / "java-model"
    root.mkdir()
    (root / "model.jar").write_bytes(b"PK")
    data = {
        "binaries": {"type": "java", "dependencies": "maven"},
        "model": {"name": "scorer", "version": "3.1", "entrypoint": "model.jar"},
    }
    (root / "odahuflow.project.yaml").write_text(json.dumps(data))
    found, manifest = read_artifact(root)
    assert found == root.resolve() and manifest.binary_type == "java"
    with pytest.raises(ConfigError, match="java \\(the GJPI\\) is not supported") as caught:
        OdahuFormat().layout(root)
    assert caught.value.field == "binaries.type"
