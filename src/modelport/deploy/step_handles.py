"""A pipeline step that runs in a Ray Serve deployment of its own, as a :class:`Servable` of the
pipeline's ingress (``deploy.ray_pipeline``): what :class:`~modelport.serving.front.remote.
WorkerServable` is to ``modelport serve PIPELINE``, with a deployment handle for the worker.

``predict`` hands the validated rows to the step's deployment (a replica of
``ray_app.VersionReplica``, its model loaded in its own environment) as an Arrow IPC stream to
the model's native route, through the handle's ``forward``, and reads the answer back as one.
Arrow IPC rather than a pickled ``pa.Table``: the step's environment may hold another pyarrow
release than the ingress's, and the IPC format is the one both read whatever their release. The
step's replica validates the rows again, runs its model under its own runtime (timeout,
batching, metrics), and a problem it answers is raised here as the error it was there.

The handle is used as an object with a ``forward`` method whose ``remote(...)`` is awaitable
(a Ray Serve ``DeploymentHandle``), so this module does not import Ray.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pyarrow as pa

from modelport._types import JSONObject
from modelport.batch import Batch
from modelport.codecs.arrow_ipc import ARROW_STREAM, decode_arrow, encode_arrow
from modelport.errors import ModelFailed
from modelport.schema import Signature
from modelport.servable import Servable
from modelport.serving.front.remote import problem_error

__all__ = ["DeploymentStep", "step_deployment_name"]


def step_deployment_name(index: int, model: str) -> str:
    """The deployment of a pipeline's step ``index`` (from 1), running model ``model``, in the
    pipeline's application."""
    return f"step{index}-{model}"


class DeploymentStep(Servable):
    """Model ``name``, predicting in the replicas of the deployment ``handle`` reaches."""

    is_async = True

    def __init__(
        self,
        handle: Any,
        *,
        name: str,
        deployment: str,
        signature: Signature,
        metadata: JSONObject,
    ) -> None:
        self.name = name
        self.deployment = deployment
        """The deployment's name in the application, for errors."""
        self.signature = signature
        self.metadata = metadata
        self._handle = handle

    def load(self) -> None:
        """Nothing: each replica of the step's deployment loaded the model as it started."""

    async def predict(self, batch: Batch) -> pa.Table:
        path = f"/v1/models/{quote(self.name, safe='')}/predict"
        media = ARROW_STREAM
        headers = [("content-type", media), ("accept", media)]
        body = encode_arrow(batch.table())
        try:
            status, _, answer = await self._handle.forward.remote("POST", path, "", headers, body)
        except Exception as exc:  # the replica died, or Ray could not reach it
            raise ModelFailed(
                f"the deployment {self.deployment} did not answer: {type(exc).__name__}: {exc}",
                hint="Ray Serve replaces a replica that died; `modelport deploy status` says "
                "how many run",
            ) from exc
        if status != 200:
            raise problem_error(status, answer)
        return decode_arrow(answer)
