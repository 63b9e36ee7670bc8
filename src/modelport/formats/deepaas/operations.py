"""The calls the DEEPaaS routes make into a served DEEPaaS model, run by the serving runtime."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import anyio.to_thread

from modelport.formats.deepaas.openapi import ModelApi
from modelport.formats.deepaas.servable import DeepaasServable
from modelport.formats.deepaas.training import TrainingJobs
from modelport.formats.deepaas.training_store import TrainingJob
from modelport.servable import ModelCalls, Operation


@dataclass(frozen=True)
class DescribeApi(Operation[DeepaasServable, ModelApi]):
    """What the model's API takes: its predict and train arguments (``get_predict_args``,
    ``get_train_args``), for reading requests and for the Swagger document."""

    model_type = DeepaasServable

    async def run(self, model: DeepaasServable, calls: ModelCalls) -> ModelApi:
        return await calls.blocking(
            lambda: ModelApi(model.name, model.predict_arguments, model.train_arguments)
        )


@dataclass(frozen=True)
class Metadata(Operation[DeepaasServable, dict[str, Any]]):
    """``get_metadata()`` (DEEPaaS's placeholder when the model has none)."""

    model_type = DeepaasServable

    async def run(self, model: DeepaasServable, calls: ModelCalls) -> dict[str, Any]:
        return await calls.blocking(model.model_metadata)


@dataclass(frozen=True)
class Predict(Operation[DeepaasServable, Any]):
    """``predict(**arguments)``: the JSON body (checked against the model's response schema),
    or with ``raw`` the bytes of the file or buffer it returned."""

    model_type = DeepaasServable
    arguments: dict[str, Any]
    raw: bool

    async def run(self, model: DeepaasServable, calls: ModelCalls) -> Any:
        return await calls.blocking(self._answer, model)

    def _answer(self, model: DeepaasServable) -> Any:
        result = model.run_predict(self.arguments, raw=self.raw)
        return result if self.raw else model.prediction_body(result)


@dataclass(frozen=True)
class CheckTrains(Operation[DeepaasServable, None]):
    """Nothing when the model has ``train()``; else DEEPaaS's 501."""

    model_type = DeepaasServable

    async def run(self, model: DeepaasServable, calls: ModelCalls) -> None:
        model.function("train")


@dataclass(frozen=True)
class StartTraining(Operation[DeepaasServable, TrainingJob]):
    """A training job calling ``train(**arguments)`` in a worker process of its own. Starting it
    runs no model code here (the worker does), so it takes neither a prediction thread nor the
    prediction timeout."""

    model_type = DeepaasServable
    arguments: dict[str, Any]
    jobs: TrainingJobs

    async def run(self, model: DeepaasServable, calls: ModelCalls) -> TrainingJob:
        return await anyio.to_thread.run_sync(self.jobs.start, model, self.arguments)
