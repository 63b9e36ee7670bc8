"""A pipeline step in a deployment of its own, called through its handle: rows go as an Arrow IPC
stream to the model's native route and come back as a table; the model's failure and the
deployment's silence are errors naming the step's model or deployment. The handle here answers
with a real model's app in this process, as a ``VersionReplica``'s ``forward`` does."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pandas as pd
import pyarrow as pa
import pytest
from starlette.types import ASGIApp

from modelport.deploy.step_handles import DeploymentStep, step_deployment_name
from modelport.errors import InvalidInput, ModelFailed
from modelport.formats.native.python_model import PythonModelServable
from modelport.schema import Field, Signature
from modelport.serving.app import create_app
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime
from modelport.validation import InputValidator

SIGNATURE = Signature(inputs=[Field("x", float)], outputs=[Field("y", float)])


class Doubler:
    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        if (df["x"] < 0).any():
            raise ValueError("negative x")
        return pd.DataFrame({"y": df["x"] * 2})


class _Forward:
    """A handle's ``forward`` method: ``remote(...)`` answered by ``app`` (what
    ``ray_app.LoadedModel.forward`` does in a replica)."""

    def __init__(self, app: ASGIApp | None) -> None:
        self._app = app

    async def remote(
        self, method: str, path: str, query: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        if self._app is None:
            raise RuntimeError("the replica died")
        transport = httpx.ASGITransport(app=self._app)
        async with httpx.AsyncClient(transport=transport, base_url="http://replica") as client:
            answer = await client.request(method, path, headers=headers, content=body)
        return answer.status_code, list(answer.headers.multi_items()), answer.content


class _Handle:
    def __init__(self, app: ASGIApp | None) -> None:
        self.forward = _Forward(app)


def _step(app: ASGIApp | None, signature: Signature = SIGNATURE) -> DeploymentStep:
    return DeploymentStep(
        _Handle(app),
        name="doubler",
        deployment=step_deployment_name(2, "doubler"),
        signature=signature,
        metadata={},
    )


@pytest.fixture(scope="module")
def replica_app() -> Any:
    runtime = ModelRuntime(PythonModelServable(Doubler(), name="doubler", signature=SIGNATURE))
    runtime.load()
    return create_app(ModelSet([runtime]))


def _predict(step: DeploymentStep, xs: list[float]) -> pa.Table:
    batch = InputValidator(step.signature).validate(pa.table({"x": xs}))

    async def call() -> pa.Table:
        return await step.predict(batch)

    return anyio.run(call)


def test_rows_go_to_the_steps_deployment_and_come_back_as_a_table(replica_app: Any) -> None:
    assert _predict(_step(replica_app), [1.0, 2.5]).to_pylist() == [{"y": 2.0}, {"y": 5.0}]


def test_the_models_failure_is_the_error_it_was_in_the_replica(replica_app: Any) -> None:
    with pytest.raises(ModelFailed, match="negative x"):
        _predict(_step(replica_app), [-1.0])


def test_a_refusal_by_the_replica_keeps_its_status_and_field(replica_app: Any) -> None:
    # a step whose signature, as the pipeline knows it, names a column the model does not take
    wrong = Signature(inputs=[Field("z", float)], outputs=[Field("y", float)])
    batch = InputValidator(wrong).validate(pa.table({"z": [1.0]}))
    with pytest.raises(InvalidInput) as raised:
        anyio.run(_step(replica_app, wrong).predict, batch)
    assert raised.value.field == "x"


def test_a_deployment_that_does_not_answer_is_named() -> None:
    with pytest.raises(ModelFailed, match="deployment step2-doubler did not answer"):
        _predict(_step(None), [1.0])
