"""What a Wallaroo pipeline is to Wallaroo's route: a Servable that answers a batch with its
result frame (``frames``). modelport's pipelines (``modelport.pipelines``) are such Servables; the
route reaches them through :class:`InferFrame`, run by the serving runtime."""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass

import pyarrow as pa

from modelport.batch import Batch
from modelport.servable import ModelCalls, Operation, Servable


class WallarooPipeline(Servable):
    """A pipeline of model steps, served under its own name."""

    source_format = "wallaroo"

    @abstractmethod
    async def infer(self, batch: Batch) -> pa.Table:
        """The result frame for ``batch`` (``frames``): ``time``, ``in.*``, ``out.*``,
        ``anomaly.*``, ``metadata.*``."""


@dataclass(frozen=True)
class InferFrame(Operation[WallarooPipeline, pa.Table]):
    """A batch through the pipeline, answered with the whole result frame."""

    model_type = WallarooPipeline
    batch: Batch

    @property
    def rows(self) -> int:
        return self.batch.num_rows

    async def run(self, model: WallarooPipeline, calls: ModelCalls) -> pa.Table:
        return await calls.awaiting(model.infer(self.batch))
