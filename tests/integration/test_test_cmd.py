"""``modelport test``: build a project, serve the build, run its tests/it against it, exit as
pytest; the build is registered only once every test passed."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from modelport.registry import open_store
from modelport.settings import Settings

from .cli import run_cli

BROKEN_TEST = """
def test_expects_another_species(real_time_client):
    rows = [{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}]
    assert real_time_client.predict(rows)["species"].tolist() == [2]
"""


@pytest.fixture(scope="module")
def iris(project_factory: Callable[..., Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sklearn template (its tests/it/test_serving.py passes) plus one failing it-test."""
    project = project_factory(tmp_path_factory.mktemp("iris") / "iris", template="sklearn")
    (project / "tests" / "it" / "test_broken.py").write_text(BROKEN_TEST)
    return project


def test_passing_integration_tests_exit_zero_with_a_summary(iris: Path, tmp_path: Path) -> None:
    result = run_cli(
        "test", str(iris), "--env", "inherit", "--", "-k", "served_model", home=tmp_path
    )
    assert result.code == 0, result.stdout + result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    assert summary == ("integration tests of iris:1 (tests/it): 1 passed, 0 failed, 0 skipped")
    assert "serving the build for its integration tests (tests/it)" in result.stderr
    assert "registered iris:1" in result.stderr
    assert [v.number for v in _versions(tmp_path, "iris")] == [1]


def test_json_gives_the_outcome_and_leaves_pytest_to_stderr(iris: Path, tmp_path: Path) -> None:
    result = run_cli(
        "test", str(iris), "--env", "inherit", "--json", "--", "-k", "served_model", home=tmp_path
    )
    assert result.code == 0, result.stdout + result.stderr
    assert result.json() == {
        "version": "iris:1",
        "registered": True,
        "folder": "tests/it",
        "passed": 1,
        "failed": 0,
        "skipped": 0,
        "failures": [],
        "exit_code": 0,
    }
    assert "1 passed" in result.stderr  # pytest's own report


def test_a_failing_integration_test_fails_the_command_and_is_named(
    iris: Path, tmp_path: Path
) -> None:
    result = run_cli("test", str(iris), "--env", "inherit", home=tmp_path)
    assert result.code == 1, result.stdout + result.stderr
    assert "FAILED tests/it/test_broken.py::test_expects_another_species" in result.stdout
    summary = result.stdout.strip().splitlines()[-1]
    assert "1 passed, 1 failed, 0 skipped" in summary
    assert summary.endswith("failed: tests.it.test_broken::test_expects_another_species")
    assert "nothing registered" in result.stderr
    assert _versions(tmp_path, "iris") == []


def test_a_project_without_integration_tests_is_refused_before_building(
    project_factory: Callable[..., Path], tmp_path: Path
) -> None:
    project = project_factory(tmp_path / "echo")
    shutil.rmtree(project / "tests" / "it")
    result = run_cli("test", str(project), "--env", "inherit", home=tmp_path / "home")
    assert result.code == 1
    assert "has no integration tests (tests/it)" in result.stderr
    assert "real_time_client" in result.stderr
    assert not (tmp_path / "home" / "registry.db").exists()


def _versions(home: Path, name: str) -> list[object]:
    store = open_store(settings=Settings(home=home))
    try:
        names = {m.name for m in store.list_models()}
        return list(store.list_versions(name=name)) if name in names else []
    finally:
        store.close()
