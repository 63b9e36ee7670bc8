"""The one internal contract every convention's adapter produces, and the calls made into it.

The serving runtime knows models only through :class:`Servable`: a signature, metadata, a
``load()`` called once per process, and ``predict`` on a validated :class:`~modelport.batch.Batch`
of rows, answering with an Arrow table. Streaming models also offer ``stream``. Adapters never
see HTTP.

A convention whose clients send more than rows (Truss's payloads through its hooks, DEEPaaS's
arguments, Odahu's invoke bodies, a Wallaroo pipeline's result frame) defines
:class:`Operation` s: small typed requests its routes hand to the runtime
(``ModelRuntime.invoke``), which checks the model takes them and runs them with the same thread
pool, timeout, metrics and error mapping as ``predict``. Routes never call a servable themselves.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import ClassVar, Generic, ParamSpec, Protocol, TypeVar

import pyarrow as pa

from modelport._types import JSONObject
from modelport.batch import Batch
from modelport.schema import Signature

__all__ = ["ModelCalls", "Operation", "Servable"]

P = ParamSpec("P")
R = TypeVar("R")
ModelT = TypeVar("ModelT", bound="Servable")
ResultT = TypeVar("ResultT")


class Servable(ABC):
    """A loaded-or-loadable model, as the serving runtime sees it."""

    name: str
    signature: Signature
    metadata: JSONObject

    source_format: str = "native"
    """The convention the model was written to (its format adapter's name): the server asks
    that convention for the routes its clients call."""

    example: list[JSONObject] | None = None
    """A few input rows to show in documentation and quick-start commands, when known."""

    is_async: bool = False
    """``predict`` is a coroutine function: await it on the event loop, no thread hop."""

    is_streaming: bool = False
    """``stream`` yields chunks; ``predict`` is not available."""

    batches_rows: bool = True
    """False: ``predict`` handles its rows one at a time (a pipeline called per row), so
    merging concurrent requests saves nothing: the calibration at load (which would run the
    model on 33 rows) is skipped, and batching is off unless ``--max-batch-size`` asks for it."""

    threaded_framework: bool = False
    """The model runs on a framework whose kernels spread over every core themselves and which
    does not survive a fork once imported (torch, TensorFlow), imported only by ``load``: the
    server then answers from one process unless ``--workers`` says otherwise."""

    kernel_threads: int | None = None
    """Threads the model's own kernels may use in this process (onnxruntime's intra-op pool),
    set by the server before ``load`` from ``--threads`` and ``--workers``; None: the
    framework's default, a thread per core."""

    checks_input_types: bool = True
    """Requests are checked against the signature's types and cast to them (undeclared columns
    dropped, or refused when the signature is strict). False, for conventions whose platform
    passes requests on as they come (Qwak): only the declared names are checked, and every
    column reaches the model with the values it was sent with."""

    @abstractmethod
    def load(self) -> None:
        """Prepare the model for serving; called once per process before any prediction."""

    @abstractmethod
    def predict(self, batch: Batch) -> pa.Table | Awaitable[pa.Table]:
        """Answer a batch: an Arrow table, one row per input row (when ``is_async``, an
        awaitable of one)."""

    def stream(self, batch: Batch) -> Iterator[object] | AsyncIterator[object]:
        """Answer a batch as a stream of chunks (only when ``is_streaming``): text, bytes,
        records or tables, as the model yields them."""
        raise TypeError(f"model {self.name!r} does not stream")


class ModelCalls(Protocol):
    """What an operation may ask of the runtime that serves its model."""

    async def blocking(self, function: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a synchronous function of the model in the runtime's thread pool (so the server
        keeps answering meanwhile), within the runtime's timeout (abandoned after it)."""
        ...

    async def awaiting(self, call: Awaitable[R]) -> R:
        """Await a coroutine of the model within the runtime's timeout."""
        ...


class Operation(ABC, Generic[ModelT, ResultT]):
    """One of a convention's own calls into its model, besides predicting a batch of rows.

    A subclass says which models take it (``model_type``: the runtime refuses others with a
    404) and what it does (``run``: a coroutine on the event loop, which hands the model's
    synchronous work to ``calls.blocking``). Its fields are its arguments.
    """

    model_type: ClassVar[type[Servable]]

    @property
    def rows(self) -> int | None:
        """The rows it carries, counted in the metrics as a batch's are (None: not rows)."""
        return None

    @abstractmethod
    async def run(self, model: ModelT, calls: ModelCalls) -> ResultT:
        """Carry out the call on ``model``."""
