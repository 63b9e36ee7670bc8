"""DEEPaaS training jobs in the registry database: shapes, updates, interrupted jobs."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import sqlalchemy as sa

from modelport.formats.deepaas.training_store import (
    INTERRUPTED,
    TrainingJob,
    TrainingJobStore,
    job_date,
)


def job(uuid: str = "a" * 32) -> TrainingJob:
    return TrainingJob(
        uuid=uuid, model="m", date="2026-12-01 10:00:00.000000", args={"n": 1}, status="running"
    )


def test_jobs_are_stored_and_shown_as_deepaas_does(tmp_path: Path) -> None:
    store = TrainingJobStore.open(f"sqlite:///{tmp_path / 'registry.db'}")
    store.add(job())
    assert store.get("m", "a" * 32) == job()
    assert store.get("other", "a" * 32) is None
    done = job().finished("done", output={"loss": 0.1})
    store.update(done)
    shown = store.list("m")[0].to_deepaas()
    assert shown["status"] == "done"
    assert set(shown["result"]) == {"output", "finish_date", "duration"}
    assert shown["result"]["output"] == {"loss": 0.1}
    failed = job("b" * 32).finished("error", message="boom").to_deepaas()
    assert failed["message"] == "boom"
    assert "result" not in failed
    store.delete("a" * 32)
    assert store.list("m") == []
    store.close()


def test_a_duration_is_shown_whether_a_date_has_microseconds_or_not() -> None:
    """``str(datetime.now())``, as DEEPaaS writes dates, leaves out the microseconds when they
    are exactly 0: such a date still reads, and modelport always writes them."""
    on_the_second = TrainingJob(
        uuid="c" * 32, model="m", date="2026-12-01 10:00:00", args={}, status="running"
    )
    done = replace(on_the_second, status="done", finish_date="2026-12-01 10:00:02.500000")
    assert done.to_deepaas()["result"]["duration"] == "0:00:02.500000"
    assert len(job_date().rpartition(".")[2]) == 6


def test_running_jobs_of_a_dead_server_become_errors(tmp_path: Path) -> None:
    path = tmp_path / "registry.db"
    store = TrainingJobStore.open(f"sqlite:///{path}")
    store.add(job())
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    with sa.create_engine(f"sqlite:///{path}").begin() as conn:
        conn.exec_driver_sql(
            "UPDATE deepaas_training_jobs SET server_pid = ?", (int(ended.stdout),)
        )
    store.add(job("c" * 32))  # this process's job keeps running
    store.close()

    reopened = TrainingJobStore.open(f"sqlite:///{path}")
    interrupted = reopened.get("m", "a" * 32)
    assert interrupted is not None
    assert (interrupted.status, interrupted.message) == ("error", INTERRUPTED)
    still = reopened.get("m", "c" * 32)
    assert still is not None and still.status == "running"
    reopened.close()
