"""Starting a DEEPaaS training job runs no model code in the server (a worker process does), so it
is not bound by the prediction timeout, and neither waits for nor takes a prediction thread."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any, cast

import anyio

from modelport.formats.deepaas.entry_points import EntryPoint
from modelport.formats.deepaas.operations import StartTraining
from modelport.formats.deepaas.servable import DeepaasServable
from modelport.formats.deepaas.training import TrainingJobs
from modelport.formats.deepaas.training_store import TrainingJob
from modelport.serving.runtime import ModelRuntime


class SlowToStart:
    """Stands in for TrainingJobs: starting a job (copying the package, spawning the worker)
    takes longer than the server's prediction timeout."""

    def start(self, servable: DeepaasServable, arguments: dict[str, Any]) -> TrainingJob:
        time.sleep(0.3)
        return TrainingJob(
            uuid="u", model=servable.name, date="d", args=arguments, status="running"
        )


def test_starting_a_training_job_is_not_bound_by_the_prediction_timeout() -> None:
    model = DeepaasServable(EntryPoint("m", "m.api"), SimpleNamespace(train=lambda **kw: None))
    runtime = ModelRuntime(model, timeout=0.05, threads=1)
    runtime.load()
    jobs = cast(TrainingJobs, SlowToStart())
    job = anyio.run(runtime.invoke, StartTraining({"epochs": 1}, jobs))
    assert (job.model, job.status, job.args) == ("m", "running", {"epochs": 1})
