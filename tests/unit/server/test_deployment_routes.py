"""A workspace's deployments over the API: the records ``modelport deploy`` keeps in the
registry's database, for the default workspace's models only, each with its counts read from
its address's ``/metrics`` (a real server on a loopback port) when it answers there; a Ray
deployment recorded with its route prefix alone (before the proxy's URL was recorded) has no
address."""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from modelport.deploy.records import DeploymentRecord, DeploymentRecords
from modelport.testing.apps import app_client, serve_app
from modelport.testing.server import free_port

from .conftest import ServerParts
from .test_pipeline_logs_and_trainings import API, _model

METRICS = """\
# TYPE modelport_requests_total counter
modelport_requests_total{model="double",route="/v1/models/double/predict",status="200"} 7.0
# TYPE modelport_errors_total counter
modelport_errors_total{model="double",route="/v1/models/double/predict",status="422"} 2.0
"""


async def _metrics(request: Request) -> PlainTextResponse:
    return PlainTextResponse(METRICS)


def test_deployments_are_listed_with_the_counts_their_address_answers(
    open_server: Callable[..., ServerParts],
) -> None:
    parts = open_server()
    with app_client(parts.app) as client:
        for name in ("double", "gone", "clustered", "proxied"):
            _model(client, name)
        client.post(f"{API}/workspaces", json={"name": "team-b"})
        _model(client, "double", workspace="team-b")
        with serve_app(Starlette(routes=[Route("/metrics", _metrics)])) as url:
            with DeploymentRecords.open(parts.state.registry_uri) as records:
                records.put(_local("double", url))
                records.put(_local("gone", f"http://127.0.0.1:{free_port()}", state="stopped"))
                records.put(_local("unregistered", url))  # no such model in the registry
                records.put(
                    DeploymentRecord(
                        name="clustered", target="ray://127.0.0.1:6379", model="clustered",
                        version=1, reference="clustered@prod", replicas="1:3", state="running",
                        url="/clustered",
                    )
                )  # fmt: skip
                records.put(
                    DeploymentRecord(
                        name="proxied", target="ray://127.0.0.1:6379", model="double",
                        version=1, reference="double", replicas="1", state="running",
                        url=f"{url}/proxied",
                    )
                )  # fmt: skip
                made = client.post(
                    f"{API}/workspaces/default/pipelines",
                    json={"name": "flow", "steps": ["double"]},
                )
                assert made.status_code == 201, made.text
                records.put(
                    DeploymentRecord(
                        name="flow", target="ray://127.0.0.1:6379", model="flow", version=1,
                        reference="flow", replicas="2", state="running", url="/flow",
                        pipeline=True, steps=("double:1",),
                    )
                )  # fmt: skip
                records.put(
                    DeploymentRecord(
                        name="double-flow",
                        target="local",
                        model="double",
                        version=1,
                        reference="double",
                        replicas="1",
                        state="running",
                        url=url,
                        pipeline=True,
                        steps=("double:1",),
                    )
                )  # fmt: skip: a pipeline named as a model that is no pipeline here
            listed = client.get(f"{API}/workspaces/default/deployments")
        assert listed.status_code == 200, listed.text
        found = {d["name"]: d for d in listed.json()["deployments"]}
        assert sorted(found) == ["clustered", "double", "flow", "gone", "proxied"]
        assert (found["flow"]["pipeline"], found["flow"]["steps"]) == (True, ["double:1"])
        assert (found["double"]["pipeline"], found["double"]["steps"]) == (False, [])
        double = found["double"]
        assert (double["kind"], double["address"], double["version"]) == ("local", url, 1)
        assert (double["metrics"]["requests"], double["metrics"]["errors"]) == (7.0, 2.0)
        assert (found["gone"]["state"], found["gone"]["metrics"]) == ("stopped", None)
        ray = found["clustered"]
        assert (ray["kind"], ray["replicas"], ray["state"]) == ("ray", "1:3", "running")
        assert (ray["address"], ray["route_prefix"], ray["metrics"]) == (None, "/clustered", None)
        proxied = found["proxied"]  # Ray Serve's proxy: its URL and the route prefix
        assert (proxied["address"], proxied["route_prefix"]) == (f"{url}/proxied", "/proxied")
        assert proxied["metrics"] is None  # nothing answers /proxied/metrics here

        # deploy deploys the default workspace's models: another workspace has none
        team_b = client.get(f"{API}/workspaces/team-b/deployments")
        assert (team_b.status_code, team_b.json()) == (200, {"deployments": []})
        missing = client.get(f"{API}/workspaces/nosuch/deployments")
        assert missing.status_code == 404, missing.text


def _local(name: str, url: str, *, state: str = "running") -> DeploymentRecord:
    return DeploymentRecord(
        name=name, target="local", model=name, version=1, reference=name, replicas="1",
        state=state, url=url, pid=None,
    )  # fmt: skip
