"""``qwak.model.schema``: a model's inputs and outputs, declared offline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class ExplicitFeature:
    """An input column the request carries."""

    name: str
    type: Any = float


@dataclass
class RequestInput(ExplicitFeature):
    """The SDK's older name of a request column."""


@dataclass
class Entity(ExplicitFeature):
    """An entity key the request carries (an input like any other here)."""


@dataclass
class InferenceOutput:
    """An output column of ``predict``'s DataFrame."""

    name: str
    type: Any = float


@dataclass
class Prediction(InferenceOutput):
    """The SDK's older name of an output column."""


class ModelSchema:
    """``ModelSchema(inputs=[...], outputs=[...])`` (also ``entities=``), or the older
    ``ModelSchema(features=[...], predictions=[...] / inference_output=[...])``. Positional
    arguments may be those lists (entities, inputs, outputs) or the features and outputs
    themselves."""

    def __init__(
        self,
        *items: Any,
        entities: list[Any] | None = None,
        inputs: list[Any] | None = None,
        outputs: list[Any] | None = None,
        features: list[Any] | None = None,
        predictions: list[Any] | None = None,
        inference_output: list[Any] | None = None,
    ) -> None:
        self.entities = list(entities or [])
        self.inputs = list(inputs or []) + list(features or [])
        self.outputs = list(outputs or []) + list(predictions or []) + list(inference_output or [])
        lists = [item for item in items if isinstance(item, list | tuple)]
        for target, given in zip((self.entities, self.inputs, self.outputs), lists, strict=False):
            target.extend(given)
        for item in items:
            if isinstance(item, InferenceOutput):
                self.outputs.append(item)
            elif isinstance(item, ExplicitFeature):
                self.inputs.append(item)

    def __repr__(self) -> str:
        return (
            f"ModelSchema(entities={self.entities}, inputs={self.inputs}, outputs={self.outputs})"
        )


__all__ = [
    "Entity",
    "ExplicitFeature",
    "InferenceOutput",
    "ModelSchema",
    "Prediction",
    "RequestInput",
]
