"""What counts as a change to a project served with --reload: the content of the build's inputs
(its sources, tests and dependency file), never saves that change nothing, caches, bytecode,
logs or what a build writes beside its sources."""

from __future__ import annotations

import os
from pathlib import Path

from modelport.builder.changes import Change, ProjectFiles, build_inputs, changed
from modelport.scaffold import scaffold


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "echo"
    scaffold("echo", template="basic", dest=root, class_name="Echo")
    return root


def test_saving_a_file_unchanged_is_no_change_and_an_edit_is_one(tmp_path: Path) -> None:
    root = _project(tmp_path)
    files = ProjectFiles(root)
    before = files.snapshot()
    model = root / "main" / "model.py"
    model.write_text(model.read_text())  # saved again, same bytes
    os.utime(model, ns=(1, 1))  # and a new modification time
    assert not changed(before, files.snapshot())
    model.write_text(model.read_text().replace("echo: ", "hello: "))
    assert changed(before, files.snapshot()).names == ("main/model.py",)


def test_the_inputs_are_sources_tests_and_the_dependency_file(tmp_path: Path) -> None:
    root = _project(tmp_path)
    inputs = build_inputs(root)
    assert inputs is not None
    assert {"main/model.py", "main/requirements.txt", "tests/ut/test_model.py"} <= inputs
    files = ProjectFiles(root)
    before = files.snapshot()
    (root / "main" / "features.py").write_text("SCALE = 2\n")  # a new module counts at once
    (root / "main" / "requirements.txt").write_text("scikit-learn\n")
    (root / "tests" / "ut" / "test_model.py").unlink()
    assert changed(before, files.snapshot()).names == (
        "main/features.py",
        "main/requirements.txt",
        "tests/ut/test_model.py",
    )


def test_caches_logs_and_what_a_build_writes_beside_its_sources_are_no_change(
    tmp_path: Path,
) -> None:
    root = _project(tmp_path)
    files = ProjectFiles(root, ignore_paths=[root / "home"])
    before = files.snapshot()
    for name in (
        "main/__pycache__/model.cpython-311.pyc",
        ".git/index",
        ".pytest_cache/v/cache",
        "main/.model.py.swp",
        "main/model.py~",
        "home/registry.db",
        "serve.log",  # `modelport serve . --reload > serve.log`
        "mlruns/0/meta.yaml",  # a tracking library's run folder, written by build()
        "weights.bin",
    ):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    assert not changed(before, files.snapshot())
    for name in ("main/__pycache__/m.pyc", ".git/index", "main/.model.py.swp", "home/x"):
        assert files.ignores(root / name), name
    assert not files.ignores(root / "main" / "model.py")
    assert files.ignores(tmp_path / "elsewhere.py")  # outside the project


def test_a_project_no_convention_reads_yet_counts_its_code_and_config(tmp_path: Path) -> None:
    root = tmp_path / "draft"
    root.mkdir()
    (root / "notes.log").write_text("started\n")
    assert build_inputs(root) is None
    files = ProjectFiles(root)
    before = files.snapshot()
    (root / "notes.log").write_text("started\nstill nothing\n")
    assert not changed(before, files.snapshot())
    (root / "main").mkdir()
    (root / "main" / "__init__.py").write_text("")
    (root / "requirements.txt").write_text("numpy\n")
    assert changed(before, files.snapshot()).names == ("main/__init__.py", "requirements.txt")


def test_a_change_is_described_by_its_first_names() -> None:
    assert Change(("a.py",)).describe() == "a.py"
    assert Change(("a", "b", "c", "d", "e")).describe() == "a, b, c and 2 more"
