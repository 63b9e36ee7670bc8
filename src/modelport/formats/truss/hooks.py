"""A Truss model's methods, read once: how each is called and what it declares.

Truss binds arguments by signature: no parameter; the input; a starlette ``Request`` (when the
parameter is annotated so); or the input and then the request. An input annotated with a pydantic
model is parsed and validated before the call; a return annotated with one publishes the output
schema. ``Model.__init__`` gets, by keyword, only the arguments its signature names.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pydantic
from starlette.requests import Request

from modelport.errors import ConfigError, InvalidInput

INIT_ARGUMENTS = ("config", "data_dir", "secrets", "environment")


def init_arguments(cls: type, available: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of ``available`` that ``cls.__init__`` accepts."""
    parameters = inspect.signature(cls).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return dict(available)
    return {name: value for name, value in available.items() if name in parameters}


@dataclass(frozen=True)
class Hook:
    """One model method (preprocess, predict, postprocess, chat_completions, ...)."""

    name: str
    function: Callable[..., Any]
    takes_input: bool
    takes_request: bool
    input_model: type[pydantic.BaseModel] | None
    output_model: type[pydantic.BaseModel] | None
    is_async: bool
    """A coroutine function (awaited on the event loop)."""
    is_generator: bool
    """A generator or async generator function: its answer is streamed."""

    @classmethod
    def of(cls, instance: Any, name: str) -> Hook | None:
        """The hook ``name`` of ``instance``, or None when the model has no such method."""
        function = getattr(instance, name, None)
        if not callable(function):
            return None
        parameters = list(inspect.signature(function).parameters.values())
        hints = _hints(function)
        takes_input = takes_request = False
        input_hint: Any = None
        if len(parameters) > 2:
            raise ConfigError(
                f"Model.{name} takes {len(parameters)} arguments",
                hint=f"define {name}(self), {name}(self, model_input), "
                f"{name}(self, request: Request) or {name}(self, model_input, request: Request)",
                field=name,
            )
        if len(parameters) == 2:
            takes_input = takes_request = True
            input_hint = hints.get(parameters[0].name)
        elif len(parameters) == 1:
            hint = hints.get(parameters[0].name)
            takes_request = _is_request(hint)
            takes_input = not takes_request
            input_hint = hint if takes_input else None
        output_hint = hints.get("return")
        return cls(
            name=name,
            function=function,
            takes_input=takes_input,
            takes_request=takes_request,
            input_model=_pydantic_model(input_hint),
            output_model=_pydantic_model(output_hint),
            is_async=inspect.iscoroutinefunction(function) or inspect.isasyncgenfunction(function),
            is_generator=inspect.isgeneratorfunction(function)
            or inspect.isasyncgenfunction(function),
        )

    def arguments(self, value: Any, request: Request | None) -> tuple[Any, ...]:
        """The positional arguments of one call, the input parsed when it is typed."""
        if self.takes_input and self.input_model is not None:
            value = parse_input(self.input_model, value)
        if self.takes_input and self.takes_request:
            return (value, request)
        if self.takes_input:
            return (value,)
        if self.takes_request:
            return (request,)
        return ()


def parse_input(model: type[pydantic.BaseModel], value: Any) -> pydantic.BaseModel:
    """``value`` validated as ``model``; InvalidInput in Truss's words otherwise (see
    :func:`parsing_errors`), naming the first failing field."""
    if isinstance(value, model):
        return value
    try:
        return model.model_validate(value)
    except pydantic.ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        field = dotted(errors[0]["loc"]) if errors else None
        raise InvalidInput(parsing_errors(errors), field=field or None) from None


def parsing_errors(errors: list[Any]) -> str:
    """pydantic's errors as Truss's model server words them: ``Input Parsing Error:`` (or
    ``Errors:``), then one line per field, ```loc`: message.``, indented by two spaces."""
    lines = ["Input Parsing Error:" if len(errors) == 1 else "Input Parsing Errors:"]
    for error in errors:
        message = error.get("msg") or str({k: v for k, v in error.items() if k != "loc"})
        lines.append(f"  `{dotted(error['loc'])}`: {message}.")
    return "\n".join(lines)


def dotted(location: tuple[str | int, ...]) -> str:
    """A pydantic error location as a path: ``("items", 1, "value")`` -> ``items[1].value``."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _hints(function: Callable[..., Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(function)
    except Exception:  # a hint that does not resolve is no hint: bind by position
        return {}


def _is_request(hint: Any) -> bool:
    return isinstance(hint, type) and issubclass(hint, Request)


def _pydantic_model(hint: Any) -> type[pydantic.BaseModel] | None:
    if isinstance(hint, type) and issubclass(hint, pydantic.BaseModel):
        return hint
    return None
