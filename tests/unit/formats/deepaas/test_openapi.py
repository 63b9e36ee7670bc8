"""The DEEPaaS Swagger document: one parameter per declared argument."""

from __future__ import annotations

from types import SimpleNamespace

from marshmallow import fields, validate
from openapi_spec_validator import validate as validate_spec

from modelport.formats.deepaas.entry_points import EntryPoint
from modelport.formats.deepaas.openapi import swagger_document
from modelport.formats.deepaas.servable import DeepaasServable


def test_arguments_become_parameters() -> None:
    model = SimpleNamespace(
        get_predict_args=lambda: {
            "numbers": fields.List(fields.Float(), required=True, metadata={"description": "N"}),
            "mode": fields.Str(load_default="sum", validate=validate.OneOf(["sum", "max"])),
            "size": fields.Int(validate=validate.Range(min=1, max=3)),
            "data": fields.Field(metadata={"type": "file", "location": "form"}),
            "accept": fields.Str(validate=validate.OneOf(["image/png"])),
        },
    )
    document = swagger_document([DeepaasServable(EntryPoint("m", "m.api"), model)])
    validate_spec(document)
    predict = document["paths"]["/v2/models/m/predict/"]["post"]
    parameters = {p["name"]: p for p in predict["parameters"]}
    assert parameters["numbers"]["type"] == "array"
    assert parameters["numbers"]["items"] == {"type": "number"}
    assert parameters["numbers"]["required"] is True
    assert parameters["numbers"]["description"] == "N"
    assert parameters["mode"]["enum"] == ["sum", "max"]
    assert parameters["mode"]["default"] == "sum"
    assert (parameters["size"]["minimum"], parameters["size"]["maximum"]) == (1, 3)
    assert (parameters["data"]["in"], parameters["data"]["type"]) == ("formData", "file")
    assert parameters["accept"]["enum"] == ["image/png", "*/*"]
    assert predict["produces"] == ["image/png", "*/*"]
    assert "/v2/models/m/train/{uuid}" in document["paths"]
