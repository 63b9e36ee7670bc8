"""``modelport deploy PIPELINE``: a pipeline of two steps whose models live in different
environments (a DataFrame model built with ``--env inherit``, a numpy model in an environment of
its own holding Ray, which its replicas run with), deployed on the session's Ray cluster with two
replicas (one deployment shared by this module's tests): each step is a deployment of its own
and runs in its own environment, the pipeline route and V2 answer what ``modelport serve
PIPELINE`` answers, inferences are logged as the pipeline says, a bad request is a 4xx naming
the field, ``deploy status`` lists the steps
and ``deploy rm`` removes the application. The same pipeline deploys on this machine too
(``modelport serve PIPELINE`` under the supervisor), and a canary or shadow of a pipeline is
refused naming the option."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from modelport.testing import start_server

from ..cli import run_cli
from .ray_cluster import RayCluster

ray = pytest.importorskip("ray", reason="ray[serve] is not installed (pip install modelport[ray])")
pytest.importorskip("ray.serve", reason="ray[serve] is not installed (pip install modelport[ray])")

pytestmark = pytest.mark.slow

PIPELINE = "raysumhalf"
"""A name no other test's cluster deploys: its replicas are found by their process title."""
LOCAL_PIPELINE = "localsumhalf"

ADDER = """
import pandas as pd

import modelport
from modelport import Field, Signature


class Adder(modelport.Model):
    def predict(self, frame: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"sum": frame["x"] + frame["y"]})

    def schema(self):
        return Signature(
            inputs=[Field("x", float), Field("y", float)], outputs=[Field("sum", float)]
        )
"""

HALVER = """
import sys

import numpy as np
import pyarrow as pa

import modelport
from modelport import Field, Signature


class Halver(modelport.Model):
    def predict(self, batch: np.ndarray) -> pa.Table:
        # which environment answered: its interpreter's prefix, the same in every server of it
        return pa.table({"half": batch[:, 0] / 2, "python": [sys.prefix] * len(batch)})

    def schema(self):
        return Signature(
            inputs=[Field("sum", float)], outputs=[Field("half", float), Field("python", str)]
        )
"""

ROWS = [{"x": 1.0, "y": 2.0}, {"x": 0.5, "y": -4.0}, {"x": 3.0, "y": 5.0}]
V2_BODY = {
    "inputs": [
        {"name": name, "datatype": "FP64", "shape": [len(ROWS)], "data": [r[name] for r in ROWS]}
        for name in ("x", "y")
    ]
}
RECORDS = {"content-type": "application/json; format=pandas-records"}


@dataclass(frozen=True)
class Deployed:
    cluster: RayCluster
    home: Path
    url: str
    """The pipeline's routes behind Ray Serve's proxy."""


def _project(folder: Path, class_name: str, source: str, requirements: str) -> Path:
    (folder / "main").mkdir(parents=True)
    (folder / "main" / "__init__.py").write_text(f"from .model import {class_name}\n")
    (folder / "main" / "model.py").write_text(source)
    (folder / "main" / "requirements.txt").write_text(requirements)
    return folder


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry with pipeadder:1 (this interpreter), pipehalver:1 (an environment of its own,
    with the cluster's Ray release in it) and the pipelines PIPELINE and LOCAL_PIPELINE
    (pipeadder -> pipehalver)."""
    home = tmp_path_factory.mktemp("pipe-home")
    src = tmp_path_factory.mktemp("pipe-src")
    halver_requirements = f"numpy\nray[serve]=={ray.__version__}\n"
    builds = [
        (_project(src / "pipeadder", "Adder", ADDER, "pandas\n"), ("--env", "inherit")),
        (_project(src / "pipehalver", "Halver", HALVER, halver_requirements), ()),
    ]
    for project, options in builds:
        result = run_cli("build", str(project), *options, home=home, timeout=900)
        assert result.code == 0, result.stderr
    for name in (PIPELINE, LOCAL_PIPELINE):
        steps = ("--step", "pipeadder", "--step", "pipehalver")
        made = run_cli("pipeline", "create", name, *steps, home=home)
        assert made.code == 0, made.stderr
    logging = run_cli("pipeline", "update", PIPELINE, "--log-inferences", home=home)
    assert logging.code == 0, logging.stderr
    return home


@pytest.fixture(scope="module")
def deployed(home: Path, ray_session_cluster: RayCluster) -> Iterator[Deployed]:
    cluster = ray_session_cluster
    result = run_cli(
        "deploy", PIPELINE, "--target", cluster.target, "--replicas", "2",
        "--http-host", "127.0.0.1", "--http-port", str(cluster.http_port), "--json",
        home=home, timeout=900,
    )  # fmt: skip
    assert result.code == 0, result.stderr
    [record] = result.json()
    assert (record["state"], record["replicas"], record["version"]) == ("running", "2", 1)
    assert (record["pipeline"], record["steps"]) == (True, ["pipeadder:1", "pipehalver:1"])
    url = f"http://127.0.0.1:{cluster.http_port}/{PIPELINE}"
    assert record["url"] == url
    assert "step 2: pipehalver:1 (its environment's interpreter, " in result.stderr
    yield Deployed(cluster, home, url)
    run_cli("deploy", "rm", PIPELINE, home=home, timeout=120)  # nothing left for other modules


def _frame(url: str, name: str) -> list[dict[str, Any]]:
    """The result frame of ROWS, less what differs from one inference to the next (its time,
    and the time each step took)."""
    answer = httpx.post(f"{url}/pipelines/{name}", json=ROWS, headers=RECORDS, timeout=60)
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, Any]] = answer.json()
    for row in rows:
        del row["time"], row["metadata"]["elapsed"]
    return rows


def _v2(url: str, name: str) -> Any:
    """The V2 answer to ROWS, less its id (the request's own)."""
    answer = httpx.post(f"{url}/v2/models/{name}/infer", json=V2_BODY, timeout=60)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    del body["id"]
    return body


def test_each_step_runs_in_a_deployment_of_its_own_environment(deployed: Deployed) -> None:
    status = run_cli("deploy", "status", PIPELINE, "--json", home=deployed.home, timeout=120)
    assert status.code == 0, status.stderr
    found = status.json()
    assert (found["state"], found["replicas running"]) == ("running", 6)
    assert found["steps"] == [
        {"step": "pipeadder:1", "deployment": "step1-pipeadder", "replicas": {"RUNNING": 2}},
        {"step": "pipehalver:1", "deployment": "step2-pipehalver", "replicas": {"RUNNING": 2}},
    ]
    for deployment in ("pipeline", "step1-pipeadder", "step2-pipehalver"):
        title = f"ray::ServeReplica:{PIPELINE}:{deployment}"
        assert len(deployed.cluster.processes(title)) == 2, deployment
    # the halver answered from its own environment (under the home's envs), not the cluster's
    # interpreter, whichever replica answered
    pythons = {row["out"]["python"] for _ in range(4) for row in _frame(deployed.url, PIPELINE)}
    [prefix] = pythons
    assert prefix != sys.prefix
    assert Path(prefix).is_relative_to(deployed.home / "envs")
    text = run_cli("deploy", "status", PIPELINE, home=deployed.home, timeout=120).stdout
    assert "pipehalver:1: 2 running (step2-pipehalver)" in text


def test_the_pipeline_answers_as_modelport_serve_does(deployed: Deployed, tmp_path: Path) -> None:
    on_ray = (_frame(deployed.url, PIPELINE), _v2(deployed.url, PIPELINE))
    environ = {"MODELPORT_HOME": str(deployed.home)}
    with start_server(PIPELINE, log_dir=tmp_path, env=environ, ready_timeout=300) as local:
        served = (_frame(local.url, PIPELINE), _v2(local.url, PIPELINE))
    assert on_ray == served
    assert [row["out"]["half"] for row in on_ray[0]] == [1.5, -1.75, 4.0]
    assert [row["in"]["x"] for row in on_ray[0]] == [1.0, 0.5, 3.0]  # rows kept in order


def test_inferences_through_ray_are_logged_as_the_pipeline_says(deployed: Deployed) -> None:
    def logged() -> list[dict[str, Any]]:
        found = run_cli("pipeline", "logs", PIPELINE, "--json", home=deployed.home)
        assert found.code == 0, found.stderr
        rows: list[dict[str, Any]] = found.json()
        return rows

    before = len(logged())
    _frame(deployed.url, PIPELINE)
    after = logged()
    assert len(after) == before + len(ROWS)
    assert [row["out.half"] for row in after[-len(ROWS) :]] == [1.5, -1.75, 4.0]  # flat


def test_a_bad_request_is_a_4xx_naming_the_field(deployed: Deployed) -> None:
    rows = [{"x": 1.0}]  # no y
    answer = httpx.post(f"{deployed.url}/pipelines/{PIPELINE}", json=rows, headers=RECORDS)
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.json()["field"] == "y"
    only_x = {"inputs": V2_BODY["inputs"][:1]}
    v2 = httpx.post(f"{deployed.url}/v2/models/{PIPELINE}/infer", json=only_x)
    assert 400 <= v2.status_code < 500, v2.text
    assert v2.json()["field"] == "y"


def test_a_canary_or_shadow_of_a_pipeline_is_refused(deployed: Deployed) -> None:
    for option in (("--canary", "10%", "--canary-version", "1"), ("--shadow", "1")):
        result = run_cli(
            "deploy", PIPELINE, "--target", deployed.cluster.target, *option, home=deployed.home
        )
        assert result.code != 0
        assert f"{option[0]} splits requests between versions of one model" in result.stderr
        assert "is a pipeline" in result.stderr
    for command in ("promote", "rollback"):
        result = run_cli("deploy", command, PIPELINE, home=deployed.home)
        assert result.code != 0
        assert f"{PIPELINE} runs a pipeline: it has no canary or shadow" in result.stderr


def test_a_pipeline_deploys_on_this_machine_too(home: Path) -> None:
    many = run_cli("deploy", LOCAL_PIPELINE, "--target", "local", "--replicas", "2", home=home)
    assert many.code != 0
    assert "--replicas above 1 with --target local" in many.stderr
    result = run_cli(
        "deploy", LOCAL_PIPELINE, "--target", "local", "--port", "0", "--json",
        home=home, timeout=300,
    )  # fmt: skip
    assert result.code == 0, result.stderr
    [record] = result.json()
    try:
        assert (record["state"], record["pipeline"]) == ("running", True)
        frame = _frame(record["url"], LOCAL_PIPELINE)
        assert [row["out"]["half"] for row in frame] == [1.5, -1.75, 4.0]
        status = run_cli("deploy", "status", LOCAL_PIPELINE, "--json", home=home)
        assert status.json()["steps"] == [{"step": "pipeadder:1"}, {"step": "pipehalver:1"}]
        assert f"{LOCAL_PIPELINE} (pipeline)" in run_cli("deploy", "ls", home=home).stdout
    finally:
        removed = run_cli("deploy", "rm", LOCAL_PIPELINE, home=home, timeout=120)
    assert removed.code == 0, removed.stderr
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{record['url']}/v2/health/ready", timeout=5)


def test_rm_removes_the_application(deployed: Deployed) -> None:
    removed = run_cli("deploy", "rm", PIPELINE, home=deployed.home, timeout=120)
    assert removed.code == 0, removed.stderr
    assert PIPELINE not in [r["name"] for r in run_cli("deploy", "ls", "--json",
                                                      home=deployed.home).json()]  # fmt: skip
    deadline = time.monotonic() + 60
    title = f"ray::ServeReplica:{PIPELINE}:"
    while deployed.cluster.processes(title) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert deployed.cluster.processes(title) == []
    assert httpx.get(f"{deployed.url}/v2/health/ready").status_code == 404
