"""modelport's gRPC messages, made at run time from ``inference.desc``, are wire-compatible with
tritonclient's generated ones: every field has the same number and type in both."""

from __future__ import annotations

import pytest
from google.protobuf.descriptor import Descriptor
from tritonclient.grpc import service_pb2

from modelport.serving.grpc import messages

NAMES = [
    "ServerLiveRequest",
    "ServerLiveResponse",
    "ServerReadyRequest",
    "ServerReadyResponse",
    "ModelReadyRequest",
    "ModelReadyResponse",
    "ServerMetadataRequest",
    "ServerMetadataResponse",
    "ModelMetadataRequest",
    "ModelMetadataResponse",
    "ModelInferRequest",
    "ModelInferResponse",
    "InferParameter",
    "InferTensorContents",
]


def _fields(descriptor: Descriptor) -> dict[str, tuple[int, int, str]]:
    """Each field's number, type and (for messages) the message's short name, nested included."""
    found: dict[str, tuple[int, int, str]] = {}
    for field in descriptor.fields:
        kind = field.message_type.name if field.message_type is not None else ""
        found[field.name] = (field.number, field.type, kind)
        if field.message_type is not None and field.message_type.containing_type is descriptor:
            for name, value in _fields(field.message_type).items():
                found[f"{field.name}.{name}"] = value
    return found


@pytest.mark.parametrize("name", NAMES)
def test_every_field_matches_tritonclients(name: str) -> None:
    ours = _fields(getattr(messages, name).DESCRIPTOR)
    theirs = _fields(getattr(service_pb2, name).DESCRIPTOR)
    assert set(ours) <= set(theirs), f"{name}: fields tritonclient's message lacks"
    for field, described in ours.items():
        assert theirs[field] == described, f"{name}.{field}"


def test_a_message_round_trips_through_tritonclients_classes() -> None:
    request = messages.ModelInferRequest(model_name="iris", id="r1")
    tensor = request.inputs.add(name="x", datatype="FP32", shape=[2, 2])
    tensor.parameters["binary_data_size"].int64_param = 16
    request.raw_input_contents.append(b"\x00" * 16)
    theirs = service_pb2.ModelInferRequest.FromString(request.SerializeToString())
    assert theirs.model_name == "iris"
    assert list(theirs.inputs[0].shape) == [2, 2]
    assert theirs.inputs[0].parameters["binary_data_size"].int64_param == 16
    assert messages.ModelInferRequest.FromString(theirs.SerializeToString()) == request
