"""The wheel of the running modelport that model environments install (never modelport by name
from an index, never a link to a source folder that may move)."""

from __future__ import annotations

import importlib.metadata
import shutil
import zipfile
from pathlib import Path

import modelport
from modelport.builder.modelport_wheel import ModelportInstall

PACKAGE = Path(modelport.__file__).resolve().parent


def _copy(tmp_path: Path) -> Path:
    copy = tmp_path / "modelport"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return copy


def test_the_digest_follows_the_files_not_where_they_are(tmp_path: Path) -> None:
    dist = importlib.metadata.distribution("modelport")
    here = ModelportInstall.of(PACKAGE, dist)
    copy = _copy(tmp_path)
    assert ModelportInstall.of(copy, dist).digest == here.digest  # a moved clone: same files
    (copy / "servable.py").write_text((copy / "servable.py").read_text() + "\n# changed\n")
    assert ModelportInstall.of(copy, dist).digest != here.digest  # a change: a new environment
    (copy / "__pycache__").mkdir(exist_ok=True)
    (copy / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"bytecode")
    changed = ModelportInstall.of(copy, dist).digest
    assert ModelportInstall.of(copy, dist).digest == changed


def test_the_wheel_holds_the_package_and_its_entry_points(tmp_path: Path) -> None:
    install = ModelportInstall.current()
    wheel = install.wheel(tmp_path / "wheels")
    assert wheel.name == f"modelport-{modelport.__version__}-py3-none-any.whl"
    assert wheel.parent.name == install.digest[:16]
    with zipfile.ZipFile(wheel) as zipped:
        names = set(zipped.namelist())
        info = f"modelport-{modelport.__version__}.dist-info"
        entry_points = zipped.read(f"{info}/entry_points.txt").decode()
        record = zipped.read(f"{info}/RECORD").decode()
    assert {"modelport/__init__.py", "modelport/serving/__main__.py", f"{info}/METADATA"} <= names
    assert "modelport/registry/sql/migrations/script.py.mako" in names
    assert not any("__pycache__" in name for name in names)
    assert "[modelport.formats]" in entry_points and "[pytest11]" in entry_points
    assert "modelport/servable.py,sha256=" in record
    assert install.wheel(tmp_path / "wheels") == wheel  # made once per digest
    assert [p.name for p in wheel.parent.iterdir()] == [wheel.name]
