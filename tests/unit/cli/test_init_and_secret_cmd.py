"""``init`` and ``secret`` in-process: JSON from each, ``--convention`` (with ``--format`` still
taken where it meant the convention) and ``secret rm`` (with ``unset`` still taken)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import Invoke


def test_init_answers_json(invoke: Invoke, tmp_path: Path) -> None:
    made = invoke("init", "iris", "--dir", str(tmp_path / "iris"), "--json")
    assert made.exit_code == 0, made.output
    answer = json.loads(made.output)
    assert answer["root"] == str(tmp_path / "iris") and answer["template"] == "basic"
    assert "main/model.py" in answer["files"]
    assert all((tmp_path / "iris" / name).is_file() for name in answer["files"])


@pytest.mark.parametrize("option", ["--convention", "--format"])
def test_init_takes_the_convention(invoke: Invoke, tmp_path: Path, option: str) -> None:
    made = invoke("init", "my-model", "--dir", str(tmp_path / "t"), option, "truss", "--json")
    assert made.exit_code == 0, made.output
    assert json.loads(made.output)["convention"] == "truss"
    assert (tmp_path / "t" / "config.yaml").is_file()


def test_secret_set_list_and_rm_answer_json(invoke: Invoke) -> None:
    made = invoke("secret", "set", "token", "--value", "s3cret", "-w", "team", "--json")
    assert made.exit_code == 0, made.output
    assert json.loads(made.output) == {"secret": "token", "workspace": "team", "set": True}
    assert "s3cret" not in made.output
    assert json.loads(invoke("secret", "list", "-w", "team", "--json").output) == ["token"]
    removed = invoke("secret", "rm", "token", "-w", "team", "--json")
    assert json.loads(removed.output) == {"secret": "token", "workspace": "team", "removed": True}
    assert json.loads(invoke("secret", "list", "-w", "team", "--json").output) == []


def test_secret_unset_still_works_with_a_note(invoke: Invoke) -> None:
    invoke("secret", "set", "token", "--value", "s3cret")
    removed = invoke("secret", "unset", "token")
    assert removed.exit_code == 0, removed.output
    assert "secret token removed" in removed.stdout
    assert "use `modelport secret rm`" in removed.stderr
