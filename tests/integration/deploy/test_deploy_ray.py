"""``modelport deploy --target ray://...`` on the session's real Ray cluster (``conftest``; one
deployed model shared by this module's tests): every protocol answers through Ray Serve's
proxy with ``modelport serve``'s answers, a killed replica is replaced while requests go on
being answered, and ``deploy status``/``ls``/``rm`` see the deployment."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from modelport.server.app import create_server_app
from modelport.server.run import open_state
from modelport.settings import Settings
from modelport.testing import start_server
from modelport.testing.apps import app_client

from ..cli import run_cli
from .ray_cluster import RayCluster

pytest.importorskip("ray.serve", reason="ray[serve] is not installed (pip install modelport[ray])")

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "iris"
MODEL = "rayiris"
"""A name no other test's cluster deploys: its replicas are found by their process title."""
REPLICA_TITLE = f"ray::ServeReplica:{MODEL}:model"
ROWS = [
    {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2},
    {"sepal_length": 6.7, "sepal_width": 3.0, "petal_length": 5.2, "petal_width": 2.3},
    {"sepal_length": 5.9, "sepal_width": 3.0, "petal_length": 4.2, "petal_width": 1.5},
]


@dataclass(frozen=True)
class Deployed:
    cluster: RayCluster
    home: Path
    project: Path
    url: str
    """The model's routes behind Ray Serve's proxy."""


@pytest.fixture(scope="module")
def deployed(
    tmp_path_factory: pytest.TempPathFactory, ray_session_cluster: RayCluster
) -> Iterator[Deployed]:
    home = tmp_path_factory.mktemp("ray-home")
    project = tmp_path_factory.mktemp("ray-src") / MODEL
    shutil.copytree(EXAMPLE, project)
    built = run_cli("build", str(project), "--env", "inherit", home=home)
    assert built.code == 0, built.stderr
    assert run_cli("alias", "set", MODEL, "production", "1", home=home).code == 0
    cluster = ray_session_cluster
    result = run_cli(
        "deploy", f"{MODEL}@production", "--target", cluster.target, "--replicas", "2",
        "--http-host", "127.0.0.1", "--http-port", str(cluster.http_port), "--json",
        home=home, timeout=600,
    )  # fmt: skip
    assert result.code == 0, result.stderr
    [record] = result.json()
    assert (record["state"], record["replicas"], record["version"]) == ("running", "2", 1)
    assert record["reference"] == f"{MODEL}@production"
    url = f"http://127.0.0.1:{cluster.http_port}/{MODEL}"
    assert record["url"] == url  # Ray Serve's proxy and the route prefix
    yield Deployed(cluster, home, project, url)
    run_cli("deploy", "rm", MODEL, home=home, timeout=120)  # nothing left for other modules


def _native(url: str) -> Any:
    answer = httpx.post(f"{url}/v1/models/{MODEL}/predict", json=ROWS, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _kserve_v1(url: str) -> Any:
    instances = [list(row.values()) for row in ROWS]
    answer = httpx.post(f"{url}/v1/models/{MODEL}:predict", json={"instances": instances})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _v2(url: str) -> Any:
    inputs = [
        {
            "name": column,
            "shape": [len(ROWS)],
            "datatype": "FP64",
            "data": [r[column] for r in ROWS],
        }
        for column in ROWS[0]
    ]
    answer = httpx.post(f"{url}/v2/models/{MODEL}/infer", json={"inputs": inputs}, timeout=30)
    assert answer.status_code == 200, answer.text
    [output] = answer.json()["outputs"]
    return output["data"]


def test_every_protocol_answers_as_modelport_serve_does(deployed: Deployed, tmp_path: Path) -> None:
    on_ray = (_native(deployed.url), _kserve_v1(deployed.url), _v2(deployed.url))
    assert httpx.get(f"{deployed.url}/v2/health/ready").status_code == 200
    with start_server(MODEL, log_dir=tmp_path, env={"MODELPORT_HOME": str(deployed.home)}) as local:
        served = (_native(local.url), _kserve_v1(local.url), _v2(local.url))
    assert on_ray == served
    species = [row["species"] for row in on_ray[0]]
    assert len(set(species)) == 3  # three different answers: rows are not mixed up


def test_the_registry_servers_deployments_route_reads_its_metrics_through_the_proxy(
    deployed: Deployed,
) -> None:
    assert _native(deployed.url)  # at least one request counted, by whichever replica
    settings = Settings(home=deployed.home)
    state = open_state(registry_uri=settings.resolved_registry_uri, blobs_uri=None,
                       settings=settings, auth=False)  # fmt: skip
    try:
        with app_client(create_server_app(state)) as client:
            for _ in range(20):  # the proxy hands /metrics to either replica: one has counted
                listed = client.get("/api/v1/workspaces/default/deployments")
                assert listed.status_code == 200, listed.text
                [record] = listed.json()["deployments"]
                if record["metrics"] is not None and record["metrics"]["latency_buckets"]:
                    break
    finally:
        state.registry.close()
    assert (record["kind"], record["address"], record["route_prefix"]) == (
        "ray",
        deployed.url,
        f"/{MODEL}",
    )
    assert record["metrics"] is not None  # one replica's /metrics, through Ray Serve's proxy
    assert record["metrics"]["latency_buckets"]


def test_a_killed_replica_is_replaced_while_requests_are_answered(deployed: Deployed) -> None:
    before = deployed.cluster.processes(REPLICA_TITLE)
    assert len(before) == 2
    os.kill(before[0], signal.SIGKILL)
    failed = answered = 0
    deadline = time.monotonic() + 120
    replaced = False
    while time.monotonic() < deadline:
        try:
            answer = httpx.post(f"{deployed.url}/v1/models/{MODEL}/predict", json=ROWS, timeout=30)
            ok = answer.status_code == 200
        except httpx.TransportError:
            ok = False
        answered += ok
        failed += not ok
        now = deployed.cluster.processes(REPLICA_TITLE)
        if len(now) == 2 and before[0] not in now and answered >= 20:
            replaced = True
            break
        time.sleep(0.05)
    assert replaced, f"replicas now: {deployed.cluster.processes(REPLICA_TITLE)}"
    # Ray Serve's proxy routes around the dead replica once the controller sees it die; a
    # request already sent to it in that moment may fail, never more than a few
    assert failed <= 3, f"{failed} of {answered + failed} requests failed"
    # the replacement's process is there before its model has loaded: Ray Serve counts it as
    # running (and `deploy status` with it) once its constructor has returned
    running = None
    while time.monotonic() < deadline + 60:
        status = run_cli("deploy", "status", MODEL, "--json", home=deployed.home, timeout=120)
        assert status.code == 0, status.stderr
        running = status.json()["replicas running"]
        if running == 2:
            break
        time.sleep(0.5)
    assert running == 2


def test_moving_the_alias_redeploys_without_dropping_requests(deployed: Deployed) -> None:
    model = deployed.project / "main" / "model.py"
    model.write_text(model.read_text() + "\n# version 2\n")
    built = run_cli("build", str(deployed.project), "--env", "inherit", home=deployed.home)
    assert built.code == 0, built.stderr
    assert _served_version(deployed.url) == "1"
    load = _Load(deployed.url)
    load.start()
    try:
        moved = run_cli("alias", "set", MODEL, "production", "2", home=deployed.home, timeout=600)
    finally:
        load.finish()
    assert moved.code == 0, moved.stderr
    assert f"redeployed {MODEL} on {deployed.cluster.target}: {MODEL}:2" in moved.stderr
    assert load.failures == [], f"{len(load.failures)} of {load.sent} failed: {load.failures[:3]}"
    assert load.sent >= 20
    assert _served_version(deployed.url) == "2"
    [record] = run_cli("deploy", "ls", "--json", home=deployed.home).json()
    assert (record["version"], record["reference"]) == (2, f"{MODEL}@production")


def _served_version(url: str) -> str:
    answer = httpx.get(f"{url}/v2/models/{MODEL}", timeout=30)
    assert answer.status_code == 200, answer.text
    [version] = answer.json()["versions"]
    return str(version)


class _Load(threading.Thread):
    """Requests one after another until told to finish: how many, and those that failed."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.sent = 0
        self.failures: list[str] = []
        self._done = threading.Event()

    def run(self) -> None:
        with httpx.Client(timeout=30) as client:
            while not self._done.is_set():
                try:
                    answer = client.post(f"{self.url}/v1/models/{MODEL}/predict", json=ROWS)
                    if answer.status_code != 200:
                        self.failures.append(f"{answer.status_code} {answer.text[:200]}")
                except httpx.TransportError as exc:
                    self.failures.append(repr(exc))
                self.sent += 1

    def finish(self) -> None:
        self._done.set()
        self.join()


def test_ls_status_and_rm(deployed: Deployed) -> None:
    listed = run_cli("deploy", "ls", "--json", home=deployed.home)
    assert [(r["name"], r["target"]) for r in listed.json()] == [(MODEL, deployed.cluster.target)]
    status = run_cli("deploy", "status", MODEL, "--json", home=deployed.home, timeout=120)
    assert status.json()["state"] == "running"
    removed = run_cli("deploy", "rm", MODEL, home=deployed.home, timeout=120)
    assert removed.code == 0, removed.stderr
    assert run_cli("deploy", "ls", "--json", home=deployed.home).json() == []
    deadline = time.monotonic() + 60
    while deployed.cluster.processes(REPLICA_TITLE) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert deployed.cluster.processes(REPLICA_TITLE) == []
    assert httpx.get(f"{deployed.url}/v2/health/ready").status_code == 404
