"""The calls Truss's routes make into a served Truss, run by the serving runtime."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from modelport.formats.truss.servable import TrussServable
from modelport.servable import ModelCalls, Operation


@dataclass(frozen=True)
class Infer(Operation[TrussServable, Any]):
    """A payload through ``preprocess -> predict -> postprocess``: a value, a starlette
    Response, or an async iterator of chunks when ``predict`` streams."""

    model_type = TrussServable
    payload: Any
    request: Any
    """The HTTP request, for hooks that take one (as Truss hands them FastAPI's)."""

    async def run(self, model: TrussServable, calls: ModelCalls) -> Any:
        return await model.infer(self.payload, self.request, calls=calls)


@dataclass(frozen=True)
class CallMethod(Operation[TrussServable, Any]):
    """One of the model's OpenAI-style methods (``chat_completions``...) on a payload; a
    generator it returns comes back as an async iterator of chunks."""

    model_type = TrussServable
    method: str
    payload: Any
    request: Any

    async def run(self, model: TrussServable, calls: ModelCalls) -> Any:
        answer = await model.call_hook(self.method, self.payload, self.request, calls=calls)
        if isinstance(answer, Iterator) and not isinstance(answer, str | bytes):
            return model.stream_of(answer, calls=calls)
        return answer


@dataclass(frozen=True)
class HasMethod(Operation[TrussServable, bool]):
    """Whether the model defines ``method``."""

    model_type = TrussServable
    method: str

    async def run(self, model: TrussServable, calls: ModelCalls) -> bool:
        return model.hook(self.method) is not None


@dataclass(frozen=True)
class LoadFailure(Operation[TrussServable, str | None]):
    """Why the model's ``load()`` failed (None while it loads, or once it has loaded)."""

    model_type = TrussServable

    async def run(self, model: TrussServable, calls: ModelCalls) -> str | None:
        return model.load_error


@dataclass(frozen=True)
class CheckHealth(Operation[TrussServable, bool]):
    """The model's ``is_healthy()`` (True when it has none)."""

    model_type = TrussServable

    async def run(self, model: TrussServable, calls: ModelCalls) -> bool:
        return await calls.blocking(model.is_healthy)
