"""A pipeline's entities: plain frozen values, stored as JSON in the registry database."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from modelport._types import JSONObject
from modelport.errors import ConfigError


@dataclass(frozen=True)
class Step:
    """One step: a model version of the registry, pinned by number."""

    model: str
    version: int

    @property
    def ref(self) -> str:
        return f"{self.model}:{self.version}"


@dataclass(frozen=True)
class Validation:
    """A named condition over the output columns; a row fails it when it is false."""

    label: str
    expression: str


@dataclass(frozen=True)
class Definition:
    """What a pipeline version runs: its steps in order and its validations."""

    steps: tuple[Step, ...] = ()
    validations: tuple[Validation, ...] = ()

    def to_dict(self) -> JSONObject:
        return {
            "steps": [{"model": s.model, "version": s.version} for s in self.steps],
            "validations": [
                {"label": v.label, "expression": v.expression} for v in self.validations
            ],
        }

    @classmethod
    def from_dict(cls, stored: Mapping[str, Any]) -> Definition:
        try:
            steps = tuple(Step(str(s["model"]), int(s["version"])) for s in stored["steps"])
            validations = tuple(
                Validation(str(v["label"]), str(v["expression"])) for v in stored["validations"]
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(
                f"a stored pipeline definition is malformed ({type(exc).__name__}: {exc})",
                hint="It was not written by modelport; recreate the pipeline.",
            ) from exc
        return cls(steps, validations)


@dataclass(frozen=True)
class Pipeline:
    """A named pipeline; ``latest`` is the number of its newest version."""

    workspace: str
    name: str
    description: str | None
    log_inferences: bool
    latest: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class PipelineVersion:
    """One immutable version of a pipeline, numbered from 1."""

    workspace: str
    pipeline: str
    number: int
    definition: Definition = field(default_factory=Definition)
    created_at: datetime | None = None

    @property
    def ref(self) -> str:
        return f"{self.pipeline}:{self.number}"
