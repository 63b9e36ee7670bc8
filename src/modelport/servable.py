"""The one internal contract every convention's adapter produces.

The serving runtime knows models only through :class:`Servable`: a signature, metadata, a
``load()`` called once per process, and ``predict`` on a validated :class:`~modelport.batch.Batch`
of rows, answering with an Arrow table. Streaming models also offer ``stream``. Adapters never
see HTTP; protocols never see adapters.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterator
from typing import Any

from modelport.batch import Batch
from modelport.schema import Signature


class Servable(ABC):
    """A loaded-or-loadable model, as the serving runtime sees it."""

    name: str
    signature: Signature
    metadata: dict[str, Any]

    source_format: str = "native"
    """The convention the model was written to (its format adapter's name); protocol modules
    that speak one convention's own routes answer only for its models."""

    example: list[dict[str, Any]] | None = None
    """A few input rows to show in documentation and quick-start commands, when known."""

    is_async: bool = False
    """``predict`` is a coroutine function: await it on the event loop, no thread hop."""

    is_streaming: bool = False
    """``stream`` yields chunks; ``predict`` is not available."""

    @abstractmethod
    def load(self) -> None:
        """Prepare the model for serving; called once per process before any prediction."""

    @abstractmethod
    def predict(self, batch: Batch) -> Any:
        """Answer a batch. Returns an Arrow table (or, when ``is_async``, an awaitable of one)."""

    def stream(self, batch: Batch) -> Iterator[Any] | AsyncIterator[Any]:
        """Answer a batch as a stream of chunks (only when ``is_streaming``)."""
        raise TypeError(f"model {self.name!r} does not stream")
