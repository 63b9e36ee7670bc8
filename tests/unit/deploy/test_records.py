"""Deployment records in the modelport home: kept, replaced, removed, and a broken file named."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelport.deploy.records import DeploymentRecord, DeploymentRecords
from modelport.errors import ConfigError, NotFound


def _record(name: str, state: str = "running") -> DeploymentRecord:
    return DeploymentRecord(
        name=name, target="local", model=name, version=1, reference=name, replicas="1", state=state
    )


def test_put_get_list_remove(tmp_path: Path) -> None:
    records = DeploymentRecords(tmp_path)
    assert records.all() == []
    records.put(_record("b"))
    records.put(_record("a"))
    records.put(_record("b", state="deploying"))
    assert [(r.name, r.state) for r in records.all()] == [("a", "running"), ("b", "deploying")]
    assert DeploymentRecords(tmp_path).get("a") == records.get("a")
    records.remove("a")
    records.remove("a")  # gone already: nothing to do
    assert [r.name for r in records.all()] == ["b"]
    with pytest.raises(NotFound, match="no deployment a"):
        records.get("a")


def test_a_broken_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "deployments.json").write_text("{not json")
    with pytest.raises(ConfigError, match=r"deployments\.json"):
        DeploymentRecords(tmp_path).all()
    (tmp_path / "deployments.json").write_text('{"deployments": [{"name": "x"}]}')
    with pytest.raises(ConfigError, match="not a deployments file"):
        DeploymentRecords(tmp_path).all()
