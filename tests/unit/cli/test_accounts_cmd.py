"""``modelport users``, ``tokens`` and ``workspaces`` on the registry's database: a token is
printed once and works (it identifies its user), roles are set and listed, revoking works, and
mistakes are one clear error."""

from __future__ import annotations

import json
from pathlib import Path

from modelport.errors import Conflict, InvalidInput, NotFound
from modelport.registry.sql.accounts import AccountStore
from modelport.registry.sql.database import Database

from .conftest import Invoke


def _accounts(home: Path) -> AccountStore:
    return AccountStore(Database.open_sqlite(home / "registry.db"))


def test_a_user_gets_a_token_and_a_role(invoke: Invoke, home: Path) -> None:
    added = invoke("users", "add", "alice", "--json")
    assert added.exit_code == 0, added.output
    assert json.loads(added.output)["name"] == "alice"
    assert invoke("workspaces", "add", "team-a", "--owner", "alice").exit_code == 0
    member = invoke(
        "workspaces", "members", "add", "default", "alice", "--role", "editor", "--json"
    )
    assert json.loads(member.output) == {"workspace": "default", "user": "alice", "role": "editor"}
    made = json.loads(
        invoke("tokens", "create", "--user", "alice", "--label", "ci", "--json").output
    )
    assert made["token"].startswith("mpt_") and len(made["token"]) > 40
    identity = _accounts(home).identify(made["token"])
    assert identity is not None
    assert (identity.user, identity.roles) == ("alice", {"default": "editor", "team-a": "owner"})

    listed = invoke("tokens", "list", "--json")
    assert made["token"] not in listed.output  # listed by id, never by value
    assert [(t["id"], t["label"]) for t in json.loads(listed.output)] == [(made["id"], "ci")]
    members = json.loads(invoke("workspaces", "members", "list", "default", "--json").output)
    assert members == [{"workspace": "default", "user": "alice", "role": "editor"}]
    assert invoke("tokens", "rm", made["id"]).exit_code == 0
    assert _accounts(home).identify(made["token"]) is None
    assert invoke("workspaces", "members", "rm", "default", "alice").exit_code == 0
    assert json.loads(invoke("workspaces", "members", "list", "default", "--json").output) == []


def test_the_plain_token_output_is_only_the_token(invoke: Invoke) -> None:
    invoke("users", "add", "bob")
    printed = invoke("tokens", "create", "--user", "bob")
    assert printed.exit_code == 0
    lines = [line for line in printed.stdout.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("mpt_")


def test_mistakes_are_clear_errors(invoke: Invoke) -> None:
    invoke("users", "add", "carol")
    assert isinstance(invoke("users", "add", "carol").exception, Conflict)
    no_user = invoke("tokens", "create", "--user", "nobody").exception
    assert isinstance(no_user, NotFound) and "users add nobody" in str(no_user)
    bad_role = invoke("workspaces", "members", "add", "default", "carol", "--role", "boss")
    assert isinstance(bad_role.exception, InvalidInput)
    assert "viewer, editor, owner" in str(bad_role.exception)
    no_space = invoke("workspaces", "members", "add", "nowhere", "carol").exception
    assert isinstance(no_space, NotFound) and no_space.field == "workspace"
    assert isinstance(invoke("tokens", "rm", "deadbeef").exception, NotFound)
    assert isinstance(invoke("users", "add", "Not Valid").exception, InvalidInput)
