"""``python -m modelport.export.unpack``: the exported image's step that checks and unpacks the
artifact."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from modelport.artifact.manifest import MANIFEST_NAME, Manifest
from modelport.artifact.writer import write_artifact
from modelport.export.unpack import main

FILES = {"model.pkl": b"\x80\x05N.", "main/model.py": b"class Model: ...\n"}


def _artifact(tmp_path: Path) -> Path:
    manifest = Manifest(name="iris", version="1", source_format="native", entry_point="main:M")
    return write_artifact(tmp_path / "model.zip", manifest=manifest, files=FILES).path


def test_unpacks_every_file_and_the_manifest(tmp_path: Path) -> None:
    assert main([str(_artifact(tmp_path)), str(tmp_path / "model")]) == 0
    assert (tmp_path / "model" / "main" / "model.py").read_bytes() == FILES["main/model.py"]
    assert (tmp_path / "model" / MANIFEST_NAME).is_file()


def test_a_file_changed_after_the_build_fails_the_step(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = _artifact(tmp_path)
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(tampered, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            out.writestr(info, b"\x80\x05K\x01." if info.filename == "model.pkl" else data)
    assert main([str(tampered), str(tmp_path / "model")]) == 1
    assert capsys.readouterr().err.startswith("error: ")
    assert not (tmp_path / "model").exists()
