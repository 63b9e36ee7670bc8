"""Scratch folders name their owner; a sweep removes those whose owner process is gone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from modelport.builder.scratch import OWNER_FILE, leftovers, owned_folder, sweep


@pytest.fixture
def temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _dead_pid() -> int:
    """The id of a real process that has ended (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _folder(parent: Path, name: str, owner: dict[str, object] | None) -> Path:
    folder = parent / name
    (folder / "venv").mkdir(parents=True)
    (folder / "venv" / "file").write_bytes(b"x" * 100)
    if owner is not None:
        (folder / OWNER_FILE).write_text(json.dumps(owner))
    return folder


def test_an_owned_folder_names_this_process_and_goes_at_the_end(temp: Path) -> None:
    with owned_folder("modelport-build-") as folder:
        assert folder.parent == temp and folder.name.startswith("modelport-build-")
        assert json.loads((folder / OWNER_FILE).read_text())["pid"] == os.getpid()
        assert leftovers(temp / "envs") == []  # its owner is alive
    assert not folder.exists()


def test_sweep_removes_only_folders_whose_owner_is_gone(temp: Path, tmp_path: Path) -> None:
    envs = tmp_path / "envs"
    dead = {"pid": _dead_pid()}
    gone = [
        _folder(temp, "modelport-build-a", dead),
        _folder(temp, "modelport-tests-b", dead),
        _folder(envs, ".build-abc-c", dead),
        _folder(envs / "locks", ".resolve-d", dead),
    ]
    kept = [
        _folder(temp, "modelport-build-live", {"pid": os.getpid()}),
        _folder(temp, "modelport-build-unowned", None),  # an older modelport's: unknown owner
        _folder(temp, "other-thing", dead),  # not a name of ours
        _folder(envs, "ab12cd", dead),  # a finished environment
    ]
    assert [item.path for item in sweep(envs, dry_run=True)] == sorted(gone[:2]) + gone[2:]
    assert all(folder.exists() for folder in gone)
    found = sweep(envs)
    assert {item.path for item in found} == set(gone)
    assert all(item.owner == dead["pid"] and item.bytes > 100 for item in found)
    assert not any(folder.exists() for folder in gone)
    assert all(folder.exists() for folder in kept)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="start times come from /proc")
def test_a_reused_pid_is_not_taken_for_the_owner(temp: Path, tmp_path: Path) -> None:
    folder = _folder(temp, "modelport-build-x", {"pid": os.getpid(), "started": 1})
    assert [item.path for item in sweep(tmp_path / "envs")] == [folder]
