"""`modelport build` end to end through the real command: versions, digests, failures."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .cli import Result, run_cli


def _versions(home: Path, name: str) -> list[dict]:
    result = run_cli("versions", name, "--json", home=home)
    assert result.code == 0, result.stderr
    return result.json()


def test_first_build_registers_version_1_with_its_record(
    cli: Callable[..., Result], echo_project: Path
) -> None:
    [version] = cli("versions", "echo", "--json").json()
    assert version["number"] == 1
    assert version["digest"].startswith("sha256:")
    assert version["source_format"] == "native"
    assert version["lineage"]["source"] == str(echo_project.resolve())
    assert version["build"]["tests"] == {
        "folder": "tests/ut",
        "passed": 1,
        "failed": 0,
        "skipped": 0,
    }
    assert [f["name"] for f in version["signature"]["inputs"]] == ["text"]


def test_rebuilding_unchanged_sources_adds_no_version(
    cli: Callable[..., Result], echo_project: Path
) -> None:
    before = cli("versions", "echo", "--json").json()
    again = cli("build", str(echo_project), "--env", "inherit", "--json")
    assert again.code == 0, again.stderr
    assert again.json()["created"] is False
    assert again.json()["version"]["digest"] == before[-1]["digest"]
    assert cli("versions", "echo", "--json").json() == before


def test_a_source_change_gives_a_new_version(
    tmp_path: Path, project_factory: Callable[..., Path]
) -> None:
    home = tmp_path / "home"
    project = project_factory(tmp_path / "echo")
    first = run_cli("build", str(project), "--env", "inherit", home=home)
    assert first.code == 0, first.stderr
    assert "Registered echo:1" in first.stdout
    model = project / "main" / "model.py"
    model.write_text(model.read_text().replace('"echo: "', '"echo! "'))
    (project / "tests" / "ut" / "test_model.py").write_text(
        "def test_nothing_to_check():\n    assert True\n"
    )
    second = run_cli("build", str(project), "--env", "inherit", home=home)
    assert second.code == 0, second.stderr
    assert "Registered echo:2" in second.stdout
    digests = [v["digest"] for v in _versions(home, "echo")]
    assert len(set(digests)) == 2


def test_name_option_and_invalid_names(
    tmp_path: Path, project_factory: Callable[..., Path]
) -> None:
    home = tmp_path / "home"
    project = project_factory(tmp_path / "echo")
    bad = run_cli("build", str(project), "--env", "inherit", "--name", "Bad_Name", home=home)
    assert bad.code == 1
    assert "Bad_Name" in bad.stderr and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_a_failing_unit_test_fails_the_build_and_names_the_test(
    tmp_path: Path, project_factory: Callable[..., Path]
) -> None:
    home = tmp_path / "home"
    project = project_factory(tmp_path / "echo")
    (project / "tests" / "ut" / "test_broken.py").write_text(
        "def test_always_fails():\n    assert 1 + 1 == 3, 'arithmetic is broken'\n"
    )
    result = run_cli("build", str(project), "--env", "inherit", home=home)
    assert result.code == 1
    assert "unit tests failed (1 of 2 in tests/ut)" in result.stderr
    assert "test_broken" in result.stderr and "test_always_fails" in result.stderr
    assert "arithmetic is broken" in result.stderr
    missing = run_cli("versions", "echo", home=home)
    assert missing.code == 1 and "echo" in missing.stderr


def test_build_raising_is_reported_without_traceback_unless_debug(
    tmp_path: Path, project_factory: Callable[..., Path]
) -> None:
    home = tmp_path / "home"
    project = project_factory(tmp_path / "echo")
    model = project / "main" / "model.py"
    model.write_text(
        model.read_text().replace(
            'self.prefix = "echo: "', 'raise RuntimeError("training data is missing")'
        )
    )
    plain = run_cli("build", str(project), "--env", "inherit", home=home)
    assert plain.code == 1
    assert "Demo.build() raised RuntimeError: training data is missing" in plain.stderr
    assert "Traceback" not in plain.stderr
    debug = run_cli("--debug", "build", str(project), "--env", "inherit", home=home)
    assert debug.code == 1
    assert "Traceback" in debug.stderr and 'raise RuntimeError("training data' in debug.stderr


def test_no_model_class_is_a_clear_error(
    tmp_path: Path, project_factory: Callable[..., Path]
) -> None:
    project = project_factory(tmp_path / "echo")
    (project / "main" / "__init__.py").write_text("")
    (project / "main" / "model.py").write_text("x = 1\n")
    result = run_cli("build", str(project), "--env", "inherit", home=tmp_path / "home")
    assert result.code == 1
    assert "no model class found in main/" in result.stderr
    assert "Traceback" not in result.stderr


def test_two_dependency_files_are_named(
    tmp_path: Path, project_factory: Callable[..., Path]
) -> None:
    project = project_factory(tmp_path / "echo")
    (project / "main" / "conda.yml").write_text("dependencies:\n  - pip:\n    - pandas\n")
    result = run_cli("build", str(project), home=tmp_path / "home")
    assert result.code == 1
    assert "requirements.txt" in result.stderr and "conda.yml" in result.stderr


def test_an_unparseable_dependency_file_is_named(
    tmp_path: Path, project_factory: Callable[..., Path]
) -> None:
    project = project_factory(tmp_path / "echo")
    (project / "main" / "requirements.txt").write_text("pandas >>= 2\n")
    result = run_cli("build", str(project), home=tmp_path / "home")
    assert result.code == 1
    assert "requirements.txt" in result.stderr
    assert "Traceback" not in result.stderr


def test_schema_is_inferred_from_the_sample_and_said(
    tmp_path: Path, project_factory: Callable[..., Path]
) -> None:
    home = tmp_path / "home"
    project = project_factory(tmp_path / "echo")
    model = project / "main" / "model.py"
    source = model.read_text()
    start = source.index("    def schema(")
    model.write_text(
        source[:start] + "    def input_example(self):\n        return [{'text': 'hi'}]\n"
    )
    result = run_cli("build", str(project), "--env", "inherit", home=home)
    assert result.code == 0, result.stderr
    assert "inferred the signature from the sample input" in result.stdout
    [version] = _versions(home, "echo")
    assert version["signature"]["inferred"] is True
    assert [f["name"] for f in version["signature"]["inputs"]] == ["text"]
    assert [f["name"] for f in version["signature"]["outputs"]] == ["reply"]
