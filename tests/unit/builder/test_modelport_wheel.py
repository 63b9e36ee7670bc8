"""The wheel of the running modelport that model environments install (never modelport by name
from an index, never a link to a source folder that may move)."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import sys
import time
import zipfile
from pathlib import Path

import pytest

import modelport
from modelport.builder import modelport_wheel
from modelport.builder.modelport_wheel import DIGEST_CACHE, ModelportInstall

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


def _age(folder: Path, seconds: float) -> None:
    """Every file of ``folder`` last modified ``seconds`` ago."""
    when = time.time() - seconds
    for path in folder.rglob("*"):
        os.utime(path, (when, when))


def test_the_digest_is_kept_while_every_file_stays_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dist = importlib.metadata.distribution("modelport")
    copy = _copy(tmp_path)
    _age(copy, 3600)
    first = ModelportInstall.of(copy, dist).digest
    assert (copy / DIGEST_CACHE).is_file()

    def unread(*args: object) -> str:
        raise AssertionError("the files were hashed again")

    monkeypatch.setattr(modelport_wheel, "_digest", unread)
    assert ModelportInstall.of(copy, dist).digest == first
    monkeypatch.undo()
    servable = copy / "servable.py"  # the same size, another content, an hour-old time again
    text = servable.read_text()
    servable.write_text(text.replace("a", "b", 1))
    assert servable.stat().st_size == len(text.encode())
    _age(copy, 1800)
    assert ModelportInstall.of(copy, dist).digest != first


def test_files_changed_a_moment_ago_keep_no_digest(tmp_path: Path) -> None:
    """A file's time moves in steps of milliseconds: an edit right after the digest was kept
    could leave its size and time as they were."""
    copy = _copy(tmp_path)
    _age(copy, 0)
    ModelportInstall.of(copy, importlib.metadata.distribution("modelport"))
    assert not (copy / DIGEST_CACHE).exists()


def test_a_kept_digest_that_cannot_be_read_is_computed_again(tmp_path: Path) -> None:
    dist = importlib.metadata.distribution("modelport")
    copy = _copy(tmp_path)
    _age(copy, 3600)
    digest = ModelportInstall.of(copy, dist).digest
    (copy / DIGEST_CACHE).write_text("{not json")
    assert ModelportInstall.of(copy, dist).digest == digest


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


def test_the_installed_metadata_is_what_importlib_metadata_finds() -> None:
    """Found on sys.path without importlib.metadata, and the same files: the same digest."""
    found = modelport_wheel.installed_metadata()
    assert isinstance(found, modelport_wheel.DistInfo)
    standard = importlib.metadata.distribution("modelport")
    assert found.version == standard.version == modelport.__version__
    for name in ("METADATA", "entry_points.txt", "no-such-file"):
        assert found.read_text(name) == standard.read_text(name)
    assert (
        ModelportInstall.of(PACKAGE, found).digest == ModelportInstall.of(PACKAGE, standard).digest
    )


def test_the_first_dist_info_on_the_path_wins_and_without_one_importlib_metadata_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    earlier = tmp_path / "earlier" / "modelport-9.9.dist-info"
    earlier.mkdir(parents=True)
    (earlier / "METADATA").write_text("Metadata-Version: 2.1\nName: modelport\nVersion: 9.9\n\nx\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path / "missing"), str(earlier.parent), *sys.path])
    found = modelport_wheel.installed_metadata()
    assert found == modelport_wheel.DistInfo(earlier)
    assert found.version == "9.9"

    egg = tmp_path / "develop" / "modelport.egg-info"  # an old `setup.py develop` install
    egg.mkdir(parents=True)
    (egg / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: modelport\nVersion: 8.8\n")
    monkeypatch.setattr(sys, "path", [str(egg.parent)])
    found = modelport_wheel.installed_metadata()
    assert isinstance(found, importlib.metadata.Distribution)
    assert found.version == "8.8"
