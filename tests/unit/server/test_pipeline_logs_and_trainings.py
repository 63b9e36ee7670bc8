"""What the web UI's serving pages read, in process: a pipeline's logged inferences (the Parquet
files a logging pipeline writes) and the DEEPaaS training jobs the registry keeps, per
workspace."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pyarrow as pa
from starlette.testclient import TestClient

from modelport.formats.deepaas.training_store import TrainingJob, TrainingJobStore
from modelport.formats.wallaroo.frames import TIME
from modelport.pipelines.logs import InferenceLog
from modelport.schema import Field, Signature
from modelport.testing.apps import app_client

from .conftest import ServerParts, upload_files

API = "/api/v1"


def _frame(when: datetime, x: float) -> pa.Table:
    return pa.table(
        {
            "time": pa.array([when], type=TIME),
            "in.x": [x],
            "out.x": [x * 2],
            "anomaly.count": pa.array([0], type=pa.int8()),
        }
    )


def _model(client: TestClient, name: str, workspace: str = "default") -> None:
    signature = Signature(inputs=[Field("x", float)], outputs=[Field("x", float)]).to_dict()
    files = upload_files(f"{name} in {workspace}".encode(), signature=signature)
    made = client.post(f"{API}/workspaces/{workspace}/models/{name}/versions", files=files)
    assert made.status_code == 201, made.text


def test_a_pipelines_logged_inferences_are_read_newest_last(
    open_server: Callable[..., ServerParts],
) -> None:
    parts = open_server()
    with app_client(parts.app) as client:
        _model(client, "double")
        pipelines = f"{API}/workspaces/default/pipelines"
        made = client.post(pipelines, json={"name": "flow", "steps": ["double"]})
        assert made.status_code == 201, made.text
        empty = client.get(f"{pipelines}/flow/logs").json()
        assert (empty["rows"], empty["log_inferences"]) == ([], False)

        log = InferenceLog.of("flow", settings=parts.state.settings)
        start = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
        for minute in range(3):
            when = start + timedelta(minutes=minute)
            log.write(_frame(when, minute), when=when, version=1)
        shown = client.get(f"{pipelines}/flow/logs").json()
        assert shown["columns"] == ["time", "in.x", "out.x", "anomaly.count", "pipeline_version"]
        assert [row["in.x"] for row in shown["rows"]] == [0.0, 1.0, 2.0]
        assert shown["rows"][0]["time"] == int(start.timestamp() * 1000)
        assert shown["rows"][2]["out.x"] == 4.0
        newest = client.get(f"{pipelines}/flow/logs", params={"limit": 2}).json()
        assert [row["in.x"] for row in newest["rows"]] == [1.0, 2.0]
        since = client.get(f"{pipelines}/flow/logs", params={"since": "2026-12-01T08:01:00"})
        assert [row["in.x"] for row in since.json()["rows"]] == [1.0, 2.0]

        for bad in ("0", "many", "1001"):
            refused = client.get(f"{pipelines}/flow/logs", params={"limit": bad})
            assert (refused.status_code, refused.json()["field"]) == (422, "limit")
        late = client.get(f"{pipelines}/flow/logs", params={"since": "yesterday"})
        assert (late.status_code, late.json()["field"]) == (422, "since")
        missing = client.get(f"{pipelines}/nosuch/logs")
        assert missing.status_code == 404


def test_training_jobs_are_listed_for_the_models_of_a_workspace(
    open_server: Callable[..., ServerParts],
) -> None:
    parts = open_server()
    with app_client(parts.app) as client:
        _model(client, "classifier")
        client.post(f"{API}/workspaces", json={"name": "team-b"})
        _model(client, "other", workspace="team-b")
        jobs = TrainingJobStore.open(parts.state.registry_uri)
        started = TrainingJob(
            uuid="a" * 32,
            model="classifier",
            date="2026-12-01 08:00:00.000000",
            args={"epochs": 2},
            status="running",
        )
        jobs.add(started)
        jobs.update(started.finished("done", output={"accuracy": 0.97}))
        jobs.add(
            TrainingJob(
                uuid="b" * 32, model="classifier", date="2026-12-01 09:00:00.000000",
                args={"epochs": -1}, status="error", message="epochs must be positive",
            )
        )  # fmt: skip
        jobs.add(
            TrainingJob(
                uuid="c" * 32, model="other", date="2026-12-01 10:00:00.000000",
                args={}, status="running",
            )
        )  # fmt: skip
        jobs.close()

        shown = client.get(f"{API}/workspaces/default/trainings").json()["trainings"]
        assert [job["uuid"][0] for job in shown] == ["b", "a"]  # newest first; not team-b's
        failed, done = shown
        assert (failed["status"], failed["message"]) == ("error", "epochs must be positive")
        assert (done["status"], done["output"], done["args"]) == (
            "done",
            {"accuracy": 0.97},
            {"epochs": 2},
        )
        assert done["finished"] is not None
        team_b = client.get(f"{API}/workspaces/team-b/trainings").json()["trainings"]
        assert [(job["model"], job["status"]) for job in team_b] == [("other", "running")]
