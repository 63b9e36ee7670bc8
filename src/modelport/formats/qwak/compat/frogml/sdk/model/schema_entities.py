"""``frogml.sdk.model.schema_entities``: the same classes as ``qwak.model.schema``."""

from qwak.model.schema import (
    Entity,
    ExplicitFeature,
    InferenceOutput,
    ModelSchema,
    Prediction,
    RequestInput,
)

__all__ = [
    "Entity",
    "ExplicitFeature",
    "InferenceOutput",
    "ModelSchema",
    "Prediction",
    "RequestInput",
]
