"""Deployment records in the registry's database: kept, replaced, removed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from modelport.deploy.records import DeploymentRecord, DeploymentRecords, route_prefix_of
from modelport.errors import NotFound


def _record(name: str, state: str = "running") -> DeploymentRecord:
    return DeploymentRecord(
        name=name, target="local", model=name, version=1, reference=name, replicas="1", state=state
    )


@pytest.fixture
def records(tmp_path: Path) -> Iterator[DeploymentRecords]:
    with DeploymentRecords.open(f"sqlite:///{tmp_path / 'registry.db'}") as opened:
        yield opened


def test_put_get_list_remove(records: DeploymentRecords) -> None:
    assert records.all() == []
    first = _record("b")
    records.put(first)
    records.put(_record("a"))
    records.put(_record("b", state="deploying"))
    assert [(r.name, r.state) for r in records.all()] == [("a", "running"), ("b", "deploying")]
    assert records.get("b").created == first.created  # replaced, not made anew
    assert records.get("b").created.tzinfo is not None
    records.remove("a")
    records.remove("a")  # gone already: nothing to do
    assert [r.name for r in records.all()] == ["b"]
    with pytest.raises(NotFound, match="no deployment a"):
        records.get("a")


@pytest.mark.parametrize(
    ("url", "prefix"),
    [("http://127.0.0.1:8000/iris", "/iris"), ("/iris", "/iris"), ("http://10.0.0.5:8000", "/"),
     ("http://[::1]:8000/a/b", "/a/b")],
)  # fmt: skip
def test_a_ray_deployments_route_prefix_is_read_from_its_url(url: str, prefix: str) -> None:
    # recorded with Ray Serve's proxy URL, or (records made before it was) the prefix alone
    record = DeploymentRecord(
        name="iris", target="ray://127.0.0.1:6379", model="iris", version=1, reference="iris",
        replicas="1", state="running", url=url,
    )  # fmt: skip
    assert route_prefix_of(record) == prefix


def test_a_pipelines_record_keeps_its_steps(records: DeploymentRecords) -> None:
    pipeline = DeploymentRecord(
        name="sum-half", target="ray://127.0.0.1:6379", model="sum-half", version=2,
        reference="sum-half", replicas="2", state="running", pipeline=True,
        steps=("adder:1", "halver:3"),
    )  # fmt: skip
    records.put(pipeline)
    records.put(_record("iris"))
    found = records.get("sum-half")
    assert (found.pipeline, found.steps) == (True, ("adder:1", "halver:3"))
    assert found == pipeline
    assert (records.get("iris").pipeline, records.get("iris").steps) == (False, ())
