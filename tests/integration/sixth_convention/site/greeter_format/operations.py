"""The call the greeter's route makes into its model."""

from __future__ import annotations

from dataclasses import dataclass

from greeter_format.servable import GreeterServable
from modelport.servable import ModelCalls, Operation


@dataclass(frozen=True)
class Greet(Operation[GreeterServable, str]):
    model_type = GreeterServable
    name: str

    async def run(self, model: GreeterServable, calls: ModelCalls) -> str:
        return await calls.blocking(model.greet, self.name)
