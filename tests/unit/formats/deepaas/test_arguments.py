"""DEEPaaS argument fields as a request schema: defaults, lists, enums, validators, accept."""

from __future__ import annotations

from typing import Any

import pytest
from marshmallow import fields, validate

from modelport.errors import ConfigError
from modelport.formats.deepaas.arguments import Arguments, InvalidArguments, is_file


def arguments() -> Arguments:
    return Arguments.declared(
        {
            "numbers": fields.List(fields.Float(), required=True),
            "mode": fields.Str(load_default="sum", validate=validate.OneOf(["sum", "max"])),
            "size": fields.Int(load_default=1, validate=validate.Range(min=1, max=10)),
            "data": fields.Field(load_default=None, metadata={"type": "file"}),
            "accept": fields.Str(validate=validate.OneOf(["application/json", "image/png"])),
        },
        function="get_predict_args",
    )


def test_defaults_and_lists() -> None:
    parsed = arguments().parse({"numbers": ["1", "2.5"]})
    assert parsed == {
        "numbers": [1.0, 2.5],
        "mode": "sum",
        "size": 1,
        "data": None,
        "accept": "application/json",
    }


@pytest.mark.parametrize(
    ("values", "messages"),
    [
        ({}, {"numbers": ["Missing data for required field."]}),
        ({"numbers": ["1"], "mode": "mean"}, {"mode": ["Must be one of: sum, max."]}),
        (
            {"numbers": ["1"], "size": "11"},
            {"size": ["Must be greater than or equal to 1 and less than or equal to 10."]},
        ),
        ({"numbers": ["x"]}, {"numbers": {0: ["Not a valid number."]}}),
    ],
)
def test_invalid_values_give_marshmallows_messages(
    values: dict[str, Any], messages: dict[str, Any]
) -> None:
    with pytest.raises(InvalidArguments) as caught:
        arguments().parse(values)
    assert caught.value.messages == messages
    assert caught.value.status == 422
    assert caught.value.field == ", ".join(sorted(messages))


@pytest.mark.parametrize(
    ("argument", "header", "chosen"),
    [
        (None, None, "application/json"),
        (None, "image/png", "image/png"),
        (None, "text/html, image/png;q=0.8", "image/png"),
        (None, "*/*", "*/*"),
        ("image/png", "application/json", "image/png"),
    ],
)
def test_accept_from_the_argument_then_the_header(
    argument: str | None, header: str | None, chosen: str
) -> None:
    values: dict[str, Any] = {"numbers": ["1"]}
    if argument:
        values["accept"] = argument
    assert arguments().parse(values, accept_header=header)["accept"] == chosen


def test_accept_outside_the_choices() -> None:
    with pytest.raises(InvalidArguments) as caught:
        arguments().parse({"numbers": ["1"]}, accept_header="text/csv")
    assert caught.value.messages == {"accept": ["Must be one of: application/json, image/png."]}


def test_file_fields_and_list_fields_are_known() -> None:
    declared = arguments()
    assert declared.file_names == {"data"}
    assert declared.is_list("numbers")
    assert not declared.is_list("mode")
    assert is_file(declared.fields["data"])


@pytest.mark.parametrize(
    ("declared", "field"),
    [(["numbers"], None), ({"numbers": int}, "numbers")],
)
def test_declarations_that_are_not_fields_are_refused(declared: Any, field: str | None) -> None:
    with pytest.raises(ConfigError) as caught:
        Arguments.declared(declared, function="get_train_args")
    assert "get_train_args()" in str(caught.value)
    assert caught.value.field == field


def test_no_arguments() -> None:
    assert Arguments.declared(None, function="get_train_args").parse({"x": "1"}) == {}
