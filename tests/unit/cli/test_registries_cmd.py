"""``registries`` in-process, on the local registry: create, show, list, attach and detach, the
token never printed; calls that reach MLflow are tested against a real server in
tests/integration/mlflow."""

from __future__ import annotations

import json
from pathlib import Path

from modelport.registry import open_store
from modelport.settings import Settings

from .conftest import Invoke

TOKEN = "dapi67c8c0b04606f730e78b7ae5e3221015-3"


def test_connections_are_created_listed_and_moved(invoke: Invoke, home: Path) -> None:
    with open_store(None, settings=Settings(home=home)) as store:
        store.create_workspace(name="team-b")
    made = invoke(
        "registries",
        "create",
        "team",
        "--url",
        "https://mlflow.example",
        "--token",
        TOKEN,
        "--json",
    )
    assert made.exit_code == 0, made.output
    created = json.loads(made.output)
    assert created["token"] == "****15-3" and created["workspaces"] == ["default"]
    registry = created["id"]

    shown = invoke("registries", "show", registry)
    assert shown.exit_code == 0 and TOKEN not in shown.output and "****15-3" in shown.output
    listed = json.loads(invoke("registries", "list", "--json").output)
    assert [r["id"] for r in listed] == [registry] and TOKEN not in str(listed)
    attached = json.loads(invoke("registries", "attach", registry, "-w", "team-b", "--json").output)
    assert attached["workspaces"] == ["default", "team-b"]
    detached = json.loads(
        invoke("registries", "detach", registry, "-w", "default", "--json").output
    )
    assert detached["workspaces"] == ["team-b"]
    assert json.loads(invoke("registries", "list", "--json").output) == []


def test_bad_input_is_one_clear_error(invoke: Invoke) -> None:
    bad_url = invoke("registries", "create", "team", "--url", "mlflow.example")
    assert bad_url.exit_code == 1
    assert "not an http(s) URL" in str(bad_url.exception)
    unknown = invoke("registries", "show", "3fa85f64-5717-4562-b3fc-2c963f66afa6")
    assert unknown.exit_code == 1 and "no registry" in str(unknown.exception)
