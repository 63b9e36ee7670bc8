"""The JSON schemas a Truss publishes at ``/v1/models/{name}/schema``, read from the pydantic
annotations of its model class (input: preprocess's, else predict's; output: postprocess's,
else predict's)."""

from __future__ import annotations

import collections.abc
import inspect
import typing
from typing import Any

import pydantic
from starlette.requests import Request

STREAM_ORIGINS = (
    collections.abc.Generator,
    collections.abc.Iterator,
    collections.abc.AsyncGenerator,
    collections.abc.AsyncIterator,
)


def schema_of(cls: type) -> dict[str, Any] | None:
    """``{"input_schema", "output_schema", "supports_streaming"}``, or None when the model's
    input is not a pydantic model (an untyped model has no schema)."""
    first = getattr(cls, "preprocess", None) or cls.predict  # type: ignore[attr-defined]
    last = getattr(cls, "postprocess", None) or cls.predict  # type: ignore[attr-defined]
    input_model = _input_model(first)
    if input_model is None:
        return None
    output = _model(_hints(last).get("return"))
    predict = cls.predict  # type: ignore[attr-defined]
    streams = (
        inspect.isgeneratorfunction(predict)
        or inspect.isasyncgenfunction(predict)
        or typing.get_origin(_hints(predict).get("return")) in STREAM_ORIGINS
    )
    return {
        "input_schema": input_model.model_json_schema(),
        "output_schema": output.model_json_schema() if output else None,
        "supports_streaming": streams,
    }


def _input_model(function: Any) -> type[pydantic.BaseModel] | None:
    hints = _hints(function)
    for parameter in list(inspect.signature(function).parameters.values())[1:]:
        hint = hints.get(parameter.name)
        if isinstance(hint, type) and issubclass(hint, Request):
            continue
        return _model(hint)
    return None


def _model(hint: Any) -> type[pydantic.BaseModel] | None:
    return hint if isinstance(hint, type) and issubclass(hint, pydantic.BaseModel) else None


def _hints(function: Any) -> dict[str, Any]:
    try:
        return typing.get_type_hints(function)
    except Exception:  # unresolvable hints publish no schema
        return {}
