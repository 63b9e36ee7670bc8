"""Bad Qwak projects fail the build with a message naming the file, class or test; nothing is
registered (more build-step errors: tests/unit/formats/qwak/test_format.py). ``--skip-tests``
skips both test kinds with a warning, and ``modelport test`` re-runs the unit and integration
tests."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from ..cli import Result

RAISING_BUILD = """
from qwak.model.base import QwakModel

class Trainer(QwakModel):
    def build(self):
        raise FileNotFoundError("./main/training.csv is missing")

    def predict(self, df):
        return df
"""
WRONG_IT_TEST = """
from qwak.testing.fixtures import real_time_client

def test_iris_classifier(real_time_client):
    assert real_time_client.predict([[5.1, 3.5, 1.4, 0.2]]) == [{"species": 1}]
"""
FAILING_UT_TEST = """
from main.util import add

def add_test():
    assert add(3, 2) == 6
"""


@pytest.fixture
def iris_copy(qwak_project: Callable[..., Path], request: pytest.FixtureRequest) -> Path:
    return qwak_project("iris_spec", request.node.name.removeprefix("test_").replace("_", "-"))


def _fails(qwak_cli: Callable[..., Result], project: Path, *options: str) -> str:
    before = _versions(qwak_cli, project.name)
    result = qwak_cli("build", str(project), *options)
    assert result.code != 0, result.stdout
    assert _versions(qwak_cli, project.name) == before, "a failed build registers nothing"
    return " ".join(result.stderr.split())  # unwrapped


def _versions(qwak_cli: Callable[..., Result], name: str) -> int:
    listed = qwak_cli("versions", name, "--json")
    return len(listed.json()) if listed.code == 0 else 0


def test_two_dependency_files(qwak_cli: Callable[..., Result], iris_copy: Path) -> None:
    (iris_copy / "main" / "conda.yml").write_text("dependencies:\n  - scikit-learn\n")
    message = _fails(qwak_cli, iris_copy, "--env", "inherit")
    assert "2 dependency files" in message
    assert "main/requirements.txt" in message and "main/conda.yml" in message


def test_build_raising(qwak_cli: Callable[..., Result], iris_copy: Path) -> None:
    (iris_copy / "main" / "model.py").write_text(RAISING_BUILD)
    (iris_copy / "main" / "__init__.py").write_text("from .model import Trainer\n")
    message = _fails(qwak_cli, iris_copy, "--env", "inherit")
    assert "Trainer.build() raised FileNotFoundError: ./main/training.csv is missing" in message


def test_conda_only_package(qwak_cli: Callable[..., Result], iris_copy: Path) -> None:
    (iris_copy / "main" / "requirements.txt").unlink()
    (iris_copy / "main" / "conda.yml").write_text(
        "name: gpu\ndependencies:\n  - python>=3.11\n  - scikit-learn\n  - cudatoolkit=11.8\n"
    )
    message = _fails(qwak_cli, iris_copy)  # a real environment: refused before creating it
    assert "conda-only packages cannot be installed: cudatoolkit" in message
    assert "conda.yml" in message


def test_failing_tests_are_named_and_skip_tests_skips_both(
    qwak_cli: Callable[..., Result], iris_copy: Path
) -> None:
    (iris_copy / "tests" / "ut" / "sample_test.py").write_text(FAILING_UT_TEST)
    (iris_copy / "tests" / "it" / "sample_test.py").write_text(WRONG_IT_TEST)
    message = _fails(qwak_cli, iris_copy, "--env", "inherit")
    assert "unit tests failed (1 of 1 in tests/ut)" in message
    assert "sample_test::add_test" in message  # the spec's naming is collected

    skipped = qwak_cli("build", str(iris_copy), "--env", "inherit", "--skip-tests")
    assert skipped.code == 0, skipped.stderr
    assert "warning: --skip-tests: tests/ut and tests/it not run" in skipped.stdout

    tested = qwak_cli("test", str(iris_copy), "--env", "inherit")  # tests/ut first, as build
    assert tested.code != 0
    assert "unit tests failed (1 of 1 in tests/ut)" in tested.stderr
    assert "sample_test::add_test" in tested.stderr
    helped = " ".join(qwak_cli("test", "--help").stdout.replace("│", " ").split())
    assert "run its unit tests (tests/ut)" in helped

    shutil.rmtree(iris_copy / "tests" / "ut")
    message = _fails(qwak_cli, iris_copy, "--env", "inherit")
    assert "integration tests failed (1 of 1 in tests/it)" in message
    assert "sample_test::test_iris_classifier" in message

    rerun = qwak_cli("test", str(iris_copy), "--env", "inherit")
    assert rerun.code == 1
    assert "1 failed" in rerun.stdout
    assert "failed: tests.it.sample_test::test_iris_classifier" in " ".join(rerun.stdout.split())


UNPICKLABLE = """
import threading

from qwak.model.base import QwakModel

class Uploader(QwakModel):
    def build(self):
        self.s3_client = threading.Lock()

    def predict(self, df):
        return df
"""


def test_no_model_class(qwak_cli: Callable[..., Result], iris_copy: Path) -> None:
    (iris_copy / "main" / "__init__.py").write_text("")
    (iris_copy / "main" / "model.py").write_text(
        "from qwak.model.base import QwakModel\n\nclass Helper:\n    pass\n"
    )
    message = _fails(qwak_cli, iris_copy, "--env", "inherit", "--skip-tests")
    assert "no model class found in main/" in message
    assert "QwakModel" in message  # the hint says what to define


def test_an_unpicklable_field(qwak_cli: Callable[..., Result], iris_copy: Path) -> None:
    (iris_copy / "main" / "__init__.py").write_text("from .model import Uploader\n")
    (iris_copy / "main" / "model.py").write_text(UNPICKLABLE)
    message = _fails(qwak_cli, iris_copy, "--env", "inherit", "--skip-tests")
    assert "Uploader.s3_client (a lock) cannot be pickled after build()" in message
