"""One DEEPaaS entry point as a :class:`~modelport.servable.Servable`.

DEEPaaS models are called with keyword arguments, not rows: the DEEPaaS routes reach
:meth:`DeepaasServable.run_predict` and the rest through the operations of ``operations``, run by
the serving runtime. ``predict(batch)`` (the row protocols' entry) answers that the model takes
DEEPaaS requests.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any

import marshmallow

from modelport.batch import Batch
from modelport.errors import ConfigError, InvalidInput, ModelFailed, ModelportError
from modelport.formats.deepaas.arguments import Arguments
from modelport.formats.deepaas.entry_points import FORMAT_NAME, EntryPoint
from modelport.schema import Signature
from modelport.servable import Servable


class NotImplementedByModel(ModelportError):
    """The model lacks the function asked for, or it raised NotImplementedError (HTTP 501)."""

    status = 501


class DeepaasServable(Servable):
    """A DEEPaaS model object (a module, or an instance of the entry point's class)."""

    source_format = FORMAT_NAME

    def __init__(
        self,
        entry: EntryPoint,
        model: Any,
        *,
        source_root: Path | None = None,
        package_root: Path | None = None,
    ) -> None:
        self.entry = entry
        self.model = model
        self.source_root = source_root
        """Where the package's code lives (added to ``sys.path`` by training workers too)."""
        self.package_root = package_root
        """The package's project folder, copied for each training job to work in."""
        self.name = entry.name
        self.signature = Signature(strict=False, free_form=True)
        self.metadata = {}

    def load(self) -> None:
        """``warm()``, when the model has one, in the process that will predict."""
        warm = getattr(self.model, "warm", None)
        if warm is None:
            return
        try:
            warm()
        except NotImplementedError:
            return

    def predict(self, batch: Batch) -> Any:
        raise InvalidInput(
            f"{self.name!r} is a DEEPaaS model: it takes keyword arguments, not rows",
            hint=f"POST /v2/models/{self.name}/predict/ with its arguments (see /api)",
        )

    def model_metadata(self) -> dict[str, Any]:
        """What ``get_metadata()`` returns (DEEPaaS's placeholder when the model has none)."""
        try:
            found = self.function("get_metadata")()
        except NotImplementedByModel:
            return {
                "id": "0",
                "name": self.name,
                "description": f"Could not load description from underlying model "
                f"(loaded '{self.name}')",
            }
        if not isinstance(found, dict):
            raise ModelFailed(f"get_metadata() returned {type(found).__name__}, not a dict")
        return found

    @cached_property
    def predict_arguments(self) -> Arguments:
        return Arguments.declared(self._declared("get_predict_args"), function="get_predict_args")

    @cached_property
    def train_arguments(self) -> Arguments:
        return Arguments.declared(self._declared("get_train_args"), function="get_train_args")

    @cached_property
    def response_schema(self) -> marshmallow.Schema | None:
        """The model's ``schema`` attribute (a Schema class or a dict of fields), as a schema."""
        declared = getattr(self.model, "schema", None)
        if declared is None:
            return None
        if isinstance(declared, dict):
            return marshmallow.Schema.from_dict(declared, name="ModelPredictionResponse")()
        if isinstance(declared, type) and issubclass(declared, marshmallow.Schema):
            return declared()
        raise ConfigError(
            f"model {self.name!r} has a schema of type {type(declared).__name__}",
            hint="set schema to a marshmallow.Schema subclass or a dict of fields",
        )

    def run_predict(self, arguments: dict[str, Any], *, raw: bool = False) -> Any:
        """``predict(**arguments)``; with ``raw``, a returned file or buffer is read to bytes."""
        result = self.function("predict")(**arguments)
        return read_raw(result) if raw else result

    def prediction_body(self, result: Any) -> Any:
        """The JSON answer: the result checked against ``schema``, else DEEPaaS's envelope."""
        schema = self.response_schema
        if schema is None:
            return {"status": "OK", "predictions": result}
        try:
            schema.load(result)
        except marshmallow.ValidationError as exc:
            raise ModelFailed(
                f"the response of model {self.name!r} does not match its schema: {exc.messages}",
                hint="make predict() return what the model's schema declares",
                field=",".join(sorted(exc.messages)) if isinstance(exc.messages, dict) else None,
            ) from exc
        return result

    def _declared(self, name: str) -> Any:
        try:
            return self.function(name)()
        except NotImplementedByModel:
            return {}

    def function(self, name: str) -> Callable[..., Any]:
        function = getattr(self.model, name, None)
        if not callable(function):
            raise NotImplementedByModel(
                f"Not implemented by underlying model (loaded '{self.name}'): no {name}()"
            )
        return _not_implemented_is_501(function, self.name)


def _not_implemented_is_501(function: Callable[..., Any], model: str) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except NotImplementedError as exc:
            raise NotImplementedByModel(
                f"Model '{model}' does not implement this functionality"
            ) from exc

    return call


def read_raw(result: Any) -> bytes:
    """Bytes, an open binary file or a buffer, as bytes (files are closed once read)."""
    if isinstance(result, bytes | bytearray | memoryview):
        return bytes(result)
    if isinstance(result, io.BytesIO):
        return result.getvalue()
    if isinstance(result, io.IOBase):
        with result:
            data = result.read()
        return data if isinstance(data, bytes) else str(data).encode()
    if isinstance(result, str):
        return result.encode()
    raise ModelFailed(
        f"predict() returned {type(result).__name__} for a non-JSON media type",
        hint="return bytes, an open binary file or io.BytesIO when accept is not JSON",
    )
