"""Binding a Truss model's methods by signature, and the JSON schema of typed models."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pydantic
import pytest
from starlette.requests import Request

from modelport.errors import ConfigError, InvalidInput
from modelport.formats.truss.hooks import Hook, dotted, init_arguments
from modelport.formats.truss.schema import schema_of

REQUEST = Request({"type": "http", "method": "POST", "headers": []})


class Point(pydantic.BaseModel):
    x: int
    y: int = 0


class Bindings:
    def nothing(self) -> str:
        return "none"

    def value(self, model_input: Any) -> Any:
        return model_input

    def request_only(self, request: Request) -> str:
        return request.method

    def both(self, model_input: Any, request: Request) -> Any:
        return model_input, request.method

    def typed(self, point: Point) -> Point:
        return point

    async def streams(self, model_input: Any) -> Any:
        yield model_input

    def too_many(self, a: Any, b: Any, c: Any) -> None: ...


def _hook(name: str) -> Hook:
    hook = Hook.of(Bindings(), name)
    assert hook is not None
    return hook


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("nothing", ()),
        ("value", ({"a": 1},)),
        ("request_only", (REQUEST,)),
        ("both", ({"a": 1}, REQUEST)),
    ],
)
def test_arguments_are_bound_by_signature(name: str, expected: tuple[Any, ...]) -> None:
    assert _hook(name).arguments({"a": 1}, REQUEST) == expected


def test_a_pydantic_input_is_parsed() -> None:
    assert _hook("typed").arguments({"x": 3}, None) == (Point(x=3),)


def test_a_pydantic_validation_error_names_the_field_in_truss_words() -> None:
    with pytest.raises(InvalidInput) as info:
        _hook("typed").arguments({"x": "not a number"}, None)
    assert info.value.field == "x"
    assert str(info.value) == (
        "Input Parsing Error:\n"
        "  `x`: Input should be a valid integer, unable to parse string as an integer."
    )


def test_error_locations_are_dotted_paths() -> None:
    assert dotted(("items", 1, "value")) == "items[1].value"
    assert dotted((0, "a")) == "[0].a"
    assert dotted(()) == ""


def test_generators_async_and_absent_methods_are_told_apart() -> None:
    streams = _hook("streams")
    assert streams.is_async and streams.is_generator
    assert not _hook("value").is_generator
    assert Hook.of(Bindings(), "preprocess") is None


def test_a_method_with_too_many_arguments_is_refused() -> None:
    with pytest.raises(ConfigError, match="too_many takes 3 arguments"):
        Hook.of(Bindings(), "too_many")


def test_init_gets_only_the_arguments_its_signature_names() -> None:
    class Narrow:
        def __init__(self, config: Any, secrets: Any) -> None: ...

    class Wide:
        def __init__(self, **kwargs: Any) -> None: ...

    class Bare:
        pass

    available = {"config": 1, "data_dir": 2, "secrets": 3, "environment": None}
    assert init_arguments(Narrow, available) == {"config": 1, "secrets": 3}
    assert init_arguments(Wide, available) == available
    assert init_arguments(Bare, available) == {}


def test_the_schema_comes_from_preprocess_input_and_predict_output() -> None:
    class Typed:
        def preprocess(self, point: Point, request: Request) -> Any: ...
        def predict(self, value: Any) -> Point: ...

    class Streaming:
        def predict(self, point: Point) -> Iterator[str]: ...

    class Untyped:
        def predict(self, value: dict[str, Any]) -> dict[str, Any]: ...

    typed = schema_of(Typed)
    assert typed is not None
    assert typed["input_schema"]["required"] == ["x"]
    assert typed["output_schema"]["title"] == "Point"
    assert typed["supports_streaming"] is False
    streaming = schema_of(Streaming)
    assert streaming is not None and streaming["supports_streaming"] is True
    assert streaming["output_schema"] is None
    assert schema_of(Untyped) is None
