"""Building Qwak-layout projects unchanged (``--env inherit``): discovery, the spec's tests at
build time, extra folders, logged parameters, the scaffolded template, and ``modelport test``."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

from ..cli import Result


def _build(qwak_cli: Callable[..., Result], project: Path, *options: str) -> Result:
    return qwak_cli("build", str(project), "--env", "inherit", *options)


def _version(qwak_cli: Callable[..., Result], name: str) -> dict:
    shown = qwak_cli("models", "show", name, "--json")
    assert shown.code == 0, shown.stderr
    versions = shown.json()["versions"]
    assert len(versions) == 1
    return versions[0]


def test_the_spec_iris_classifier_builds_after_its_unit_and_integration_tests(
    qwak_cli: Callable[..., Result], spec_build: tuple[str, Result]
) -> None:
    _, result = spec_build
    assert result.code == 0, result.stderr
    out = result.stdout + result.stderr
    assert "qwak project, model 'iris-anatomy'" in out
    assert "running unit tests (tests/ut)" in out
    assert "serving the build for its integration tests (tests/it)" in out
    assert out.index("serving the build") < out.index("registering")
    version = _version(qwak_cli, "iris-anatomy")
    assert version["source_format"] == "qwak"
    assert version["build"]["tests"] == {
        "folder": "tests/ut",
        "passed": 1,
        "failed": 0,
        "skipped": 0,
    }
    assert version["build"]["integration_tests"] == {  # run on the served artifact, kept too
        "folder": "tests/it",
        "passed": 1,
        "failed": 0,
        "skipped": 0,
    }
    names = [f["name"] for f in version["signature"]["inputs"]]
    assert names == ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    assert version["signature"]["strict"] is False


def test_load_model_is_used_and_its_instance_serves(
    qwak_cli: Callable[..., Result], qwak_project: Callable[..., Path]
) -> None:
    result = _build(qwak_cli, qwak_project("iris_load_model"))
    assert result.code == 0, result.stderr
    assert "2 passed" in result.stdout  # its two tests/it ran against the served build
    assert _version(qwak_cli, "iris-load-model")["source_format"] == "qwak"


def test_build_reads_a_bundled_csv_and_keeps_what_the_model_logged(
    qwak_cli: Callable[..., Result], qwak_project: Callable[..., Path]
) -> None:
    result = _build(qwak_cli, qwak_project("csv_model", "prices"))
    assert result.code == 0, result.stderr
    logged = _version(qwak_cli, "prices")["build"]["logged"]
    assert logged["params"] == {"multiplier": 1.0}
    assert logged["metrics"] == {"rows": 3}
    assert logged["data"] == [{"tag": "prices", "rows": 3, "columns": ["size", "price"]}]
    table = " ".join(qwak_cli("models", "show", "prices").stdout.replace("│", " ").split())
    assert "prices:1 logged" in table
    assert "params multiplier=1.0" in table
    assert "metrics rows=3" in table
    assert "'tag': 'prices'" in table


def test_dependency_required_folders_are_packaged_and_read_by_predict(
    qwak_cli: Callable[..., Result], qwak_project: Callable[..., Path], tmp_path: Path
) -> None:
    project = qwak_project("extra_folder", "greeter")
    shared = tmp_path / "shared"  # outside the project: packaged under its whole path
    shared.mkdir()
    (shared / "notes.txt").write_text("kept")
    result = _build(
        qwak_cli,
        project,
        "--dependency-required-folders",
        "lexicon",
        "--dependency-required-folders",
        str(shared),
    )
    assert result.code == 0, result.stderr
    assert "1 passed" in result.stdout  # tests/it: predict read lexicon/ from the artifact
    archive = tmp_path / "greeter.zip"
    assert qwak_cli("export", "greeter:1", "-o", str(archive)).code == 0
    with zipfile.ZipFile(archive) as zipped:
        names = set(zipped.namelist())
    assert "src/lexicon/greetings.txt" in names
    outside = shared.resolve().relative_to(shared.resolve().anchor).as_posix()
    assert f"src/{outside}/notes.txt" in names


def test_modelport_test_takes_the_build_options(
    qwak_cli: Callable[..., Result], qwak_project: Callable[..., Path]
) -> None:
    """tests/it reads lexicon/ through predict: only packaged with the build's own option."""
    project = qwak_project("extra_folder", "greeter")
    without = qwak_cli("test", str(project), "--env", "inherit", "--name", "greeter-bare")
    assert without.code != 0, without.stdout
    assert qwak_cli("models", "show", "greeter-bare").code != 0  # a failed test registers nothing
    result = qwak_cli(
        "test",
        str(project),
        "--env",
        "inherit",
        "--name",
        "greeter-tested",
        "--dependency-required-folders",
        "lexicon",
    )
    assert result.code == 0, result.stdout + result.stderr
    assert (
        result.stdout.strip()
        .splitlines()[-1]
        .startswith("integration tests of greeter-tested:1 (tests/it): 1 passed, 0 failed")
    )


def test_the_qwak_template_builds_and_serves(
    qwak_cli: Callable[..., Result], tmp_path: Path
) -> None:
    created = qwak_cli(
        "init",
        "iris",
        "--convention",
        "qwak",
        "--class-name",
        "IrisClassifier",
        "--dir",
        str(tmp_path / "iris"),
    )
    assert created.code == 0, created.stderr
    model = (tmp_path / "iris" / "main" / "model.py").read_text()
    assert "class IrisClassifier(QwakModel)" in model
    result = _build(qwak_cli, tmp_path / "iris", "--name", "iris-template")
    assert result.code == 0, result.stderr
    assert result.stdout.count("1 passed") == 2  # tests/ut, then tests/it against the server
    logged = _version(qwak_cli, "iris-template")["build"]["logged"]
    assert logged["params"] == {"gamma": "scale"}
    assert logged["metrics"]["train_accuracy"] > 0.9
