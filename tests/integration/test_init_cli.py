"""`modelport init` through the real command, and every template builds with its own tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .cli import run_cli


@pytest.mark.parametrize("template", ["async", "streaming"])
def test_init_then_build_each_template(tmp_path: Path, template: str) -> None:
    home = tmp_path / "home"
    created = run_cli("init", f"demo-{template}", "--template", template, home=home, cwd=tmp_path)
    assert created.code == 0, created.stderr
    project = tmp_path / f"demo-{template}"
    assert "main/model.py" in created.stdout
    assert (project / "main" / "model.py").is_file()

    built = run_cli("build", str(project), "--env", "inherit", "--json", home=home)
    assert built.code == 0, built.stderr
    version = built.json()["version"]
    assert version["model"] == f"demo-{template}"
    assert version["build"]["tests"]["passed"] == 1


def test_init_refuses_bad_names_and_templates(tmp_path: Path) -> None:
    home = tmp_path / "home"
    bad_name = run_cli("init", "Not_DNS", home=home, cwd=tmp_path)
    assert bad_name.code == 1 and "Not_DNS" in bad_name.stderr
    bad_template = run_cli("init", "x", "--template", "keras", home=home, cwd=tmp_path)
    assert bad_template.code == 1 and "basic, sklearn, async, streaming" in bad_template.stderr
    elsewhere = run_cli(
        "init", "x", "--convention", "deepaas", "--template", "sklearn", home=home, cwd=tmp_path
    )
    assert elsewhere.code == 1
    assert "--template 'sklearn' is not a template of --convention deepaas" in elsewhere.stderr
    assert "deepaas templates are: module" in elsewhere.stderr
    assert not (tmp_path / "x").exists()


def test_sample_file_infers_the_schema(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert run_cli("init", "nosig", home=home, cwd=tmp_path).code == 0
    project = tmp_path / "nosig"
    model = project / "main" / "model.py"
    source = model.read_text()
    model.write_text(source[: source.index("    def schema(")])
    sample = tmp_path / "rows.csv"
    sample.write_text("text\nhello\nworld\n")
    built = run_cli(
        "build", str(project), "--env", "inherit", "--sample", str(sample), "--json", home=home
    )
    assert built.code == 0, built.stderr
    signature = built.json()["version"]["signature"]
    assert signature["inferred"] is True
    assert [f["name"] for f in signature["inputs"]] == ["text"]
    assert json.dumps(signature["outputs"]).count("reply") == 1
