"""The calls Odahu's routes make into a served Odahu model, run by the serving runtime."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modelport.formats.odahu.servable import OdahuServable
from modelport.servable import ModelCalls, Operation


@dataclass(frozen=True)
class Identity:
    """``model.name`` and ``model.version`` of the manifest: Odahu's Model-Name and
    Model-Version headers."""

    name: str
    version: str


@dataclass(frozen=True)
class Invoked:
    """The answer of ``POST /api/model/invoke``: JSON written by the model's own serializer."""

    body: bytes
    identity: Identity


@dataclass(frozen=True)
class Invoke(Operation[OdahuServable, Invoked]):
    """``POST /api/model/invoke`` with its JSON body."""

    model_type = OdahuServable
    body: Any

    async def run(self, model: OdahuServable, calls: ModelCalls) -> Invoked:
        answer = await calls.blocking(model.invoke, self.body)
        return Invoked(answer, _identity(model))


@dataclass(frozen=True)
class Describe(Operation[OdahuServable, Identity]):
    """Who the model says it is (``GET /api/model/info``)."""

    model_type = OdahuServable

    async def run(self, model: OdahuServable, calls: ModelCalls) -> Identity:
        return _identity(model)


def _identity(model: OdahuServable) -> Identity:
    return Identity(model.model_name, model.model_version)
