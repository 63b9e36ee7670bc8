"""MLflow signatures (the MLmodel's JSON column and tensor specs) as modelport signatures."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from modelport.errors import ConfigError
from modelport.formats.mlflow.signature import is_tensor_signature, read_signature


def signature(inputs: list[dict[str, object]], outputs: list[dict[str, object]]) -> dict[str, str]:
    return {"inputs": json.dumps(inputs), "outputs": json.dumps(outputs)}


def test_column_specs_keep_their_names_types_and_optionality() -> None:
    read = read_signature(
        signature(
            [
                {"type": "double", "name": "sepal length (cm)", "required": True},
                {"type": "long", "name": "count", "required": False},
                {"type": "string", "name": "label"},
                {"type": "array", "items": {"type": "float"}, "name": "tokens"},
            ],
            [{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}],
        )
    )
    assert [(f.name, f.type, f.nullable) for f in read.inputs] == [
        ("sepal length (cm)", pa.float64(), False),
        ("count", pa.int64(), True),
        ("label", pa.string(), False),
        ("tokens", pa.list_(pa.float32()), False),
    ]
    [output] = read.outputs
    assert (output.name, output.type, output.shape) == ("predictions", pa.int64(), None)


def test_a_tensor_input_keeps_its_per_row_shape() -> None:
    logged = signature(
        [{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 28, 28]}}],
        [
            {"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 10]}, "name": "p"},
            {"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1, -1]}, "name": "ids"},
        ],
    )
    read = read_signature(logged)
    assert is_tensor_signature(logged)
    assert (read.inputs[0].name, read.inputs[0].shape) == ("inputs", (28, 28))
    assert read.outputs[0].shape == (10,)
    assert read.outputs[1].type == pa.list_(pa.int64())  # a dimension of any size: a list


def test_unnamed_outputs_are_numbered_when_there_are_several() -> None:
    read = read_signature(
        signature([{"type": "double", "name": "x"}], [{"type": "double"}, {"type": "long"}])
    )
    assert [f.name for f in read.outputs] == ["predictions_0", "predictions_1"]
    assert not is_tensor_signature(signature([{"type": "double", "name": "x"}], []))


def test_a_type_modelport_cannot_serve_names_the_field() -> None:
    with pytest.raises(ConfigError) as caught:
        read_signature(signature([{"type": "object", "name": "payload", "properties": {}}], []))
    assert caught.value.field == "signature.inputs.payload"
    assert "--input-schema" in (caught.value.hint or "")


def test_specs_that_are_not_json_are_refused() -> None:
    with pytest.raises(ConfigError, match="not JSON") as caught:
        read_signature({"inputs": "[{oops", "outputs": "[]"})
    assert caught.value.field == "signature.inputs"
