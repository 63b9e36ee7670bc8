"""A Servable over a Python object with a ``predict`` method (native models, and the base of
adapters whose models are Python classes).

The batch kind the object wants (DataFrame, Arrow table, dict of numpy arrays) is read once, from
the type hint of ``predict``'s first parameter, so the hot path does no inspection.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from modelport.batch import Batch, BatchKind
from modelport.errors import ConfigError
from modelport.formats.native.dataframes import view_named
from modelport.schema import Field, Signature
from modelport.servable import Servable
from modelport.tables import sample_to_table, to_table


class PythonModelServable(Servable):
    """Serves any object whose ``predict(batch)`` takes and returns rows."""

    def __init__(
        self,
        instance: Any,
        *,
        name: str,
        signature: Signature | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.instance = instance
        self.name = name
        self.signature = signature if signature is not None else Signature.free()
        self.metadata = metadata or {}
        predict = instance.predict
        self.batch_kind: BatchKind = batch_kind_of(predict)
        self.is_streaming = inspect.isgeneratorfunction(predict) or inspect.isasyncgenfunction(
            predict
        )
        self.is_async = inspect.iscoroutinefunction(predict) or inspect.isasyncgenfunction(predict)
        self._output_names = tuple(f.name for f in self.signature.outputs)
        self.example = _example_rows(instance)

    def load(self) -> None:
        initialize = getattr(self.instance, "initialize", None)
        if callable(initialize):
            initialize()

    def predict(self, batch: Batch) -> Any:
        answer = self.instance.predict(batch.view(self.batch_kind))
        if self.is_async:
            return self._finish_async(answer)
        return to_table(answer, output_names=self._output_names)

    async def _finish_async(self, pending: Any) -> pa.Table:
        return to_table(await pending, output_names=self._output_names)

    def stream(self, batch: Batch) -> Iterator[Any] | AsyncIterator[Any]:
        if not self.is_streaming:
            return super().stream(batch)
        result: Iterator[Any] | AsyncIterator[Any] = self.instance.predict(
            batch.view(self.batch_kind)
        )
        return result

    def predict_python(self, sample: Any) -> Any:
        """Run ``predict`` on a sample given as any tabular Python value (build-time checks)."""
        if self.is_streaming:
            return None
        batch = Batch.from_table(sample_to_table(sample))
        answer = self.instance.predict(batch.view(self.batch_kind))
        if self.is_async:
            import asyncio

            answer = asyncio.run(answer)
        return answer


def batch_kind_of(predict: Any) -> BatchKind:
    """The batch kind a ``predict`` callable asks for through its first parameter's type hint."""
    parameters = [p for p in inspect.signature(predict).parameters.values() if p.name != "self"]
    if not parameters:
        raise ConfigError(
            f"{getattr(predict, '__qualname__', 'predict')} takes no batch argument",
            hint="define predict(self, batch)",
        )
    hint = _first_hint(predict, parameters[0])
    if isinstance(hint, str):  # a name that does not resolve here: read as written
        return view_named(hint) or "pandas"
    if hint is None:
        return "pandas"
    origin = typing.get_origin(hint) or hint
    if origin is pa.Table:
        return "arrow"
    if origin is np.ndarray:
        return "matrix"
    if origin in (dict, Mapping) or (isinstance(origin, type) and issubclass(origin, Mapping)):
        return "numpy"
    if origin in (list, Sequence):
        return "records"
    return "pandas"


def _first_hint(predict: Any, parameter: inspect.Parameter) -> Any:
    """The batch parameter's type hint: resolved, else its text (another annotation of
    ``predict`` that does not resolve, a return type imported for type checkers only, must not
    change what the batch is), else None when there is none."""
    try:
        return typing.get_type_hints(predict).get(parameter.name)
    except Exception:
        pass
    annotation = parameter.annotation
    if annotation is inspect.Parameter.empty:
        return None
    if not isinstance(annotation, str):
        return annotation
    try:
        return eval(annotation, getattr(predict, "__globals__", {}))  # the user's own annotation
    except Exception:
        return annotation


def normalise_signature(declared: Any) -> Signature:
    """What ``schema()`` returned, as a Signature: a Signature, a pair (inputs, outputs) of Field
    lists, a dict with ``inputs``/``outputs``, or ``None`` (free-form)."""
    if declared is None:
        return Signature(strict=False, free_form=True)
    if isinstance(declared, Signature):
        return declared
    if isinstance(declared, Mapping):
        return Signature(
            inputs=tuple(declared.get("inputs", ())), outputs=tuple(declared.get("outputs", ()))
        )
    if isinstance(declared, tuple | list) and len(declared) == 2:
        inputs, outputs = declared
        if all(isinstance(f, Field) for f in [*inputs, *outputs]):
            return Signature(inputs=tuple(inputs), outputs=tuple(outputs))
    raise ConfigError(
        f"schema() returned {type(declared).__name__}",
        hint="return modelport.Signature(inputs=[Field(...)], outputs=[Field(...)]) "
        "or a pair of Field lists",
    )


def _example_rows(instance: Any) -> list[dict[str, Any]] | None:
    """The first rows of the model's ``input_example()``, as records (None when it has none)."""
    make = getattr(instance, "input_example", None)
    try:
        sample = make() if callable(make) else None
        if sample is None:
            return None
        rows: list[dict[str, Any]] = sample_to_table(sample).slice(0, 3).to_pylist()
    except Exception:  # an example is a nicety: never a reason not to serve
        return None
    return rows
