"""The manifest an unpacked artifact holds is in YAML's JSON form, read without PyYAML."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from modelport.artifact.manifest import MANIFEST_NAME, Manifest
from modelport.artifact.reader import open_artifact
from modelport.artifact.writer import write_artifact
from modelport.errors import ArtifactError

MANIFEST = Manifest(
    name="iris",
    version="0.1.0",
    source_format="native",
    entry_point="main:IrisClassifier",
    signature={"inputs": [{"name": "sepal_length", "type": "float64", "range": [0.25, 1e-05]}]},
    metadata={"description": "Iris de Fisher: sétosa, versicolor, virginica", "tags": ["demo"]},
    lock=["numpy==1.26.4", "scikit-learn==1.4.2"],
)


def _unpacked(tmp_path: Path) -> Path:
    info = write_artifact(tmp_path / "iris.zip", manifest=MANIFEST, files={"m.pkl": b"\x80."})
    return open_artifact(info.path).extract(tmp_path / "unpacked")


def test_the_unpacked_copy_is_json_that_reads_back_the_same(tmp_path: Path) -> None:
    text = (_unpacked(tmp_path) / MANIFEST_NAME).read_text(encoding="utf-8")
    assert text.startswith("{")
    data = json.loads(text)
    assert list(data) == sorted(data)
    read = Manifest.from_yaml(text)
    assert read.signature == MANIFEST.signature and read.metadata == MANIFEST.metadata
    assert read.lock == MANIFEST.lock and read.files.keys() == {"m.pkl"}
    assert yaml.safe_load(text)["metadata"] == MANIFEST.metadata, "no longer YAML"


def test_reading_it_imports_no_yaml(tmp_path: Path) -> None:
    """What `modelport serve` and the serving process import to read it: no PyYAML."""
    manifest = _unpacked(tmp_path) / MANIFEST_NAME
    script = (
        "import sys\n"
        "import modelport.cli.targets, modelport.serving.loader\n"
        "from modelport.artifact.manifest import Manifest\n"
        f"manifest = Manifest.from_yaml(open({str(manifest)!r}, 'rb').read())\n"
        "assert manifest.name == 'iris'\n"
        "print('yaml' in sys.modules)\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "False", found.stdout + found.stderr


def test_a_manifest_in_yaml_is_still_read(tmp_path: Path) -> None:
    """A folder unpacked by an earlier modelport holds the YAML form."""
    assert Manifest.from_yaml(MANIFEST.to_yaml()) == MANIFEST


def test_broken_json_is_refused_naming_the_file() -> None:
    text = MANIFEST.to_json()[:-10]
    with pytest.raises(ArtifactError) as caught:
        Manifest.from_yaml(text, source="unpacked/ab12/modelport.yaml")
    assert str(caught.value).startswith("unpacked/ab12/modelport.yaml is not valid YAML: ")
    assert caught.value.field == MANIFEST_NAME
