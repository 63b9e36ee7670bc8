"""``modelport init NAME --convention wallaroo``: the python step it writes uploads with the
command init prints (framework and schemas named) and, as a pipeline's step, answers Wallaroo's
infer route."""

from __future__ import annotations

import shlex
from pathlib import Path

import httpx
import pytest

from modelport.testing import start_server

from ..cli import run_cli

PANDAS_RECORDS = "application/json; format=pandas-records"


def test_the_wallaroo_template_uploads_and_infers_in_a_pipeline(tmp_path: Path) -> None:
    home = tmp_path / "home"
    made = run_cli("init", "scaler", "--convention", "wallaroo", home=home, cwd=tmp_path)
    assert made.code == 0, made.stderr
    line = next(line for line in made.stdout.splitlines() if line.startswith("Next: "))
    command = shlex.split(line.removeprefix("Next: "))
    assert command[:3] == ["modelport", "build", "scaler/step.py"]

    built = run_cli(*command[1:], "--env", "inherit", "--json", home=home, cwd=tmp_path)
    assert built.code == 0, built.stderr
    version = built.json()["version"]
    assert (version["model"], version["metadata"]["framework"]) == ("scaler", "python")
    created = run_cli("pipeline", "create", "scaling", "--step", "scaler", home=home)
    assert created.code == 0, created.stderr

    with start_server(
        "scaling", log_dir=tmp_path, env={"MODELPORT_HOME": str(home)}, ready_timeout=120
    ) as server:
        answer = httpx.post(
            f"{server.url}/v1/pipelines/scaling/infer",
            content=b'[{"tensor": [3.0, 4.0, 0.0, 0.0]}, {"tensor": [0.0, 0.0, 0.0, 2.0]}]',
            headers={"Content-Type": PANDAS_RECORDS},
        )
    assert answer.status_code == 200, answer.text
    rows = answer.json()
    assert [row["out.norm"] for row in rows] == [5.0, 2.0]
    assert rows[0]["out.normalised"] == pytest.approx([0.6, 0.8, 0.0, 0.0])
    assert rows[1]["in.tensor"] == [0.0, 0.0, 0.0, 2.0]
    assert [row["anomaly.count"] for row in rows] == [0, 0]
