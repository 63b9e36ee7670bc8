"""The registry commands with ``--registry`` naming each backend: listing, filtering and
paging, versions, aliases and their history, lineage, MLflow-style references and deleting a
whole model. One test runs the real ``modelport`` command in a subprocess; the rest run it in
this process (typer's CliRunner), which is the same code without a second start-up."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from modelport.cli.context import STATE
from modelport.cli.main import app
from modelport.errors import InvalidInput
from modelport.registry import RegistryStore
from tests.registry_versions import register

from ..cli import run_cli
from .conftest import Backend


class Cli:
    """``modelport --registry URI ARGS`` in this process."""

    def __init__(self, registry_uri: str) -> None:
        self.registry_uri = registry_uri
        self.runner = CliRunner()

    def __call__(self, *args: str) -> Any:
        return self.runner.invoke(app, ["--registry", self.registry_uri, *args])

    def json(self, *args: str) -> Any:
        result = self(*args, "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)


@pytest.fixture
def cli(registry_uri: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    monkeypatch.setenv("MODELPORT_HOME", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "200")
    yield Cli(registry_uri)
    STATE.begin(debug=False, registry_uri=None)  # closes the store the commands opened


def test_the_installed_command_lists_models_of_the_registry_it_is_given(
    store: RegistryStore, registry_uri: str, tmp_path: Path
) -> None:
    register(store, tmp_path, "one")
    listed = run_cli("--registry", registry_uri, "models", "list", "--json", home=tmp_path)
    assert listed.code == 0, listed.stderr
    assert [(m["name"], m["versions"]) for m in listed.json()] == [("iris", 1)]


def test_models_list_filters_and_pages(cli: Cli, store: RegistryStore, tmp_path: Path) -> None:
    register(store, tmp_path, "one")
    register(store, tmp_path, "two", name="iris-v2")
    register(store, tmp_path, "three", name="wine")
    store.set_model_tag(name="wine", key="team", value="ds")

    assert [m["name"] for m in cli.json("models", "list")] == ["iris", "iris-v2", "wine"]
    first = cli.json("models", "list", "--filter", "iris", "--max-results", "1")
    assert [m["name"] for m in first["items"]] == ["iris"]
    rest = cli.json("models", "list", "--filter", "iris", "--page-token", first["next_page_token"])
    assert [m["name"] for m in rest["items"]] == ["iris-v2"]
    assert rest["next_page_token"] is None

    table = cli("models", "list", "--filter", "team=ds", "--max-results", "1")
    assert table.exit_code == 0, table.output
    assert "wine" in table.stdout and "iris" not in table.stdout

    more = cli("models", "list", "--max-results", "2")
    assert "more: add --page-token " in more.stderr
    bad = cli("models", "list", "--page-token", "nonsense")
    assert isinstance(bad.exception, InvalidInput) and bad.exception.field == "page_token"
    both = cli("models", "list", "--filter", "iris", "--filter", "wine")
    assert isinstance(both.exception, InvalidInput) and "only one name" in str(both.exception)


def test_models_list_counts_versions_in_one_request_a_page(
    cli: Cli,
    store: RegistryStore,
    backend: Backend,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Over REST, each page of models comes with its version counts: no request per model."""
    for content, name in [("one", "iris"), ("two", "iris"), ("three", "wine"), ("four", "zoo")]:
        register(store, tmp_path, content, name=name)
    store.delete_version(name="iris", number=1)
    sent: list[str] = []
    send = httpx.Client.send

    def counted(client: httpx.Client, request: httpx.Request, **options: Any) -> httpx.Response:
        sent.append(f"{request.method} {request.url.path}")
        return send(client, request, **options)

    monkeypatch.setattr(httpx.Client, "send", counted)
    listed = cli.json("models", "list")
    assert [(m["name"], m["versions"], m["latest"]) for m in listed] == [
        ("iris", 1, 2),
        ("wine", 1, 1),
        ("zoo", 1, 1),
    ]
    assert len(sent) == (1 if backend.remote else 0), sent
    sent.clear()
    cli.json("models", "list", "--max-results", "2")
    assert len(sent) == (1 if backend.remote else 0), sent


def test_versions_aliases_history_lineage_and_removal(
    cli: Cli, store: RegistryStore, backend: Backend, tmp_path: Path
) -> None:
    register(store, tmp_path, "one")
    register(store, tmp_path, "two")
    store.set_version_tag(name="iris", number=2, key="stage", value="qa")

    paged = cli.json("versions", "iris", "--max-results", "1")
    assert [v["number"] for v in paged["items"]] == [1]
    assert paged["next_page_token"]
    assert [v["number"] for v in cli.json("versions", "iris", "--filter", "stage=qa")] == [2]

    assert cli("alias", "set", "iris", "production", "1").exit_code == 0
    assert cli("alias", "set", "iris", "production", "2").exit_code == 0
    history = cli.json("alias", "history", "iris")
    assert [(c["from_version"], c["to_version"]) for c in history] == [(None, 1), (1, 2)]
    assert {c["actor"] for c in history} == {backend.recorded_actor(None)}  # REST: token's user
    assert "production" in cli("alias", "history", "iris", "production").stdout

    shown = cli("models", "show", "iris")
    assert "iris:2 lineage" in shown.stdout and "abc123" in shown.stdout

    tagged = cli("tag", "set", "models:/iris@production", "k", "v")
    assert isinstance(tagged.exception, InvalidInput) and "not on an alias" in str(tagged.exception)
    assert cli("tag", "set", "models:/iris/1", "stage", "dev").exit_code == 0
    assert store.get_version(name="iris", number=1).tags == {"stage": "dev"}

    removed = cli.json("rm", "iris", "--yes")
    assert removed == {"deleted": {"model": "iris", "versions": [1, 2]}}
    assert store.list_models() == []
