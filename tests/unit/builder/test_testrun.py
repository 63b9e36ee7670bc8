"""Running a project's tests at build time: pytest's configuration is the project's own, never
one found in a folder above it (real pytest subprocesses)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from modelport.builder.testrun import run_tests

CONFTEST = """
import pytest


@pytest.fixture
def answer():
    return 42
"""

TESTS = """
def test_keep(answer):
    assert answer == 42


def test_other():
    assert True
"""


def _project(parent: Path) -> Path:
    project = parent / "model"
    (project / "tests").mkdir(parents=True)
    (project / "tests" / "conftest.py").write_text(CONFTEST)
    (project / "tests" / "test_model.py").write_text(TESTS)
    return project


def test_a_repositorys_configuration_above_the_project_is_not_applied(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\naddopts = "-p no_such_plugin_of_the_repository"\n'
    )
    project = _project(tmp_path)
    report = run_tests(Path(sys.executable), project, "tests")
    assert report.ok, report.output
    assert (report.passed, report.failed) == (2, 0)  # the project's conftest fixture was found


def test_the_projects_own_configuration_is_applied(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "pytest.ini").write_text("[pytest]\naddopts = -k keep\n")
    report = run_tests(Path(sys.executable), project, "tests")
    assert report.ok, report.output
    assert report.passed == 1


def test_a_pyproject_without_a_pytest_section_does_not_stop_the_isolation(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\naddopts = "-p no_such_plugin_of_the_repository"\n'
    )
    project = _project(tmp_path)
    (project / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")
    report = run_tests(Path(sys.executable), project, "tests")
    assert report.ok, report.output
    assert report.passed == 2


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("tests/pytest.ini", "[pytest]\naddopts = -k keep\n"),
        ("pyproject.toml", '[tool.pytest.ini_options]\naddopts = "-k keep"\n'),
        ("setup.cfg", "[tool:pytest]\naddopts = -k keep\n"),
    ],
)
def test_a_configuration_anywhere_in_the_project_is_its_own(
    tmp_path: Path, name: str, text: str
) -> None:
    project = _project(tmp_path)
    (project / name).write_text(text)
    report = run_tests(Path(sys.executable), project, "tests")
    assert report.ok, report.output
    assert report.passed == 1
