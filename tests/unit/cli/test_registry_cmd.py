"""Registry commands in-process: ``models list --json`` with the table's columns, ``rm`` of a
version or a whole model, ``alias list``, and JSON from every command that changes something."""

from __future__ import annotations

import json
from pathlib import Path

from modelport.errors import InvalidInput, NotFound

from .conftest import Invoke, Register


def test_models_list_json_has_the_columns_of_the_table(invoke: Invoke, register: Register) -> None:
    register("iris", "one")
    register("iris", "two")
    register("wine", "one")
    table = invoke("models", "list")
    header = [cell for cell in table.output.splitlines()[0].split() if cell.isalpha()]
    assert header == ["name", "versions", "latest", "description", "updated"]
    listed = json.loads(invoke("models", "list", "--json").output)
    assert [sorted(row) for row in listed] == [sorted(header)] * 2
    iris = listed[0]
    assert (iris["name"], iris["versions"], iris["latest"]) == ("iris", 2, 2)
    assert iris["description"] == "the iris model" and iris["updated"].startswith("20")


def test_rm_a_version(invoke: Invoke, register: Register) -> None:
    register("iris", "one")
    register("iris", "two")
    removed = invoke("rm", "iris:1", "--json")
    assert removed.exit_code == 0, removed.output
    assert json.loads(removed.output) == {"deleted": {"model": "iris", "versions": [1]}}
    assert [v["number"] for v in json.loads(invoke("versions", "iris", "--json").output)] == [2]
    assert invoke("rm", "iris:2").output.strip() == "deleted iris:2"


def test_rm_a_whole_model_with_its_versions_and_aliases(invoke: Invoke, register: Register) -> None:
    register("iris", "one")
    register("iris", "two")
    register("wine", "one")
    assert invoke("alias", "set", "iris", "production", "2").exit_code == 0
    removed = invoke("rm", "iris", "--yes", "--json")
    assert removed.exit_code == 0, removed.output
    assert json.loads(removed.output) == {"deleted": {"model": "iris", "versions": [1, 2]}}
    assert [m["name"] for m in json.loads(invoke("models", "list", "--json").output)] == ["wine"]


def test_rm_of_a_whole_model_asks_first(invoke: Invoke, register: Register) -> None:
    register("iris", "one")
    refused = invoke("rm", "iris")  # no terminal to ask at: refused, saying how
    assert isinstance(refused.exception, InvalidInput)
    assert "--yes" in str(refused.exception) and "iris:1" in str(refused.exception)
    assert invoke("versions", "iris", "--json").exit_code == 0  # still there
    assert "deleted model iris (1 version(s))" in invoke("rm", "iris", "-y").output


def test_rm_refuses_an_alias(invoke: Invoke, register: Register) -> None:
    register("iris", "one")
    refused = invoke("rm", "iris@production")
    assert isinstance(refused.exception, InvalidInput)
    assert "modelport alias rm iris production" in str(refused.exception)


def test_delete_still_works_with_a_note(invoke: Invoke, register: Register) -> None:
    register("iris", "one")
    register("iris", "two")
    deleted = invoke("delete", "iris:1")
    assert deleted.exit_code == 0, deleted.output
    assert "deleted iris:1" in deleted.stdout
    assert "use `modelport rm`" in deleted.stderr


def test_alias_list_and_rm(invoke: Invoke, register: Register) -> None:
    register("iris", "one")
    register("iris", "two")
    register("wine", "one")
    invoke("alias", "set", "iris", "production", "1")
    invoke("alias", "set", "iris", "staging", "2")
    invoke("alias", "set", "wine", "production", "1")
    every = json.loads(invoke("alias", "list", "--json").output)
    assert every == [
        {"model": "iris", "alias": "production", "version": 1},
        {"model": "iris", "alias": "staging", "version": 2},
        {"model": "wine", "alias": "production", "version": 1},
    ]
    assert "staging" in invoke("alias", "list", "iris").output
    assert "wine" not in invoke("alias", "list", "iris").output
    removed = invoke("alias", "rm", "iris", "staging", "--json")
    assert json.loads(removed.output) == {"removed": {"model": "iris", "alias": "staging"}}
    assert len(json.loads(invoke("alias", "list", "iris", "--json").output)) == 1


def test_tags_answer_json(invoke: Invoke, register: Register) -> None:
    register("iris", "one")
    made = json.loads(invoke("tag", "set", "iris:1", "stage", "qa", "--json").output)
    assert made == {"target": "iris:1", "tags": {"stage": "qa"}}
    made = json.loads(invoke("tag", "set", "iris", "team", "search", "--json").output)
    assert made == {"target": "iris", "tags": {"team": "search"}}
    gone = json.loads(invoke("tag", "rm", "iris:1", "stage", "--json").output)
    assert gone == {"target": "iris:1", "tags": {}}


def test_export_answers_json(invoke: Invoke, register: Register, tmp_path: Path) -> None:
    version = register("iris", "one")
    output = tmp_path / "iris.zip"
    exported = invoke("export", "iris:1", "-o", str(output), "--json")
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.output) == {
        "model": "iris",
        "version": 1,
        "digest": version.digest,
        "format": "modelport",
        "output": str(output),
    }
    assert output.is_file()


def test_mlflow_model_uris_name_versions(
    invoke: Invoke, register: Register, tmp_path: Path
) -> None:
    register("iris", "one")
    register("iris", "two")
    assert invoke("alias", "set", "iris", "production", "1").exit_code == 0
    for ref, number in (("models:/iris/2", 2), ("models:/iris@production", 1)):
        output = tmp_path / f"{number}.zip"
        exported = invoke("export", ref, "-o", str(output), "--json")
        assert exported.exit_code == 0, exported.output
        assert json.loads(exported.output)["version"] == number
    staged = invoke("export", "models:/iris/Production", "-o", str(tmp_path / "x.zip"))
    assert isinstance(staged.exception, InvalidInput)
    assert "models:/iris@production" in str(staged.exception)


def test_an_unknown_model_is_an_error_not_a_usage_error(invoke: Invoke) -> None:
    missing = invoke("rm", "nope:1")
    assert isinstance(missing.exception, NotFound)
