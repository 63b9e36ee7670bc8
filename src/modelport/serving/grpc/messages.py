"""The protocol's message classes, made at run time from the compiled ``inference.proto``.

The compiled file descriptor (``inference.desc``, from ``make protos``) is loaded into a pool of
modelport's own rather than protobuf's default one, so a process that also holds another copy of
these messages (tritonclient's, in a test) has no clash of names, and no generated Python code
ties modelport to the protobuf release that generated it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

SERVICE = "inference.GRPCInferenceService"


def _load() -> dict[str, Any]:
    files = descriptor_pb2.FileDescriptorSet.FromString(
        (Path(__file__).parent / "inference.desc").read_bytes()
    )
    pool = descriptor_pool.DescriptorPool()
    classes: dict[str, Any] = {}
    for file in files.file:
        pool.Add(file)
        for message in file.message_type:
            full_name = f"{file.package}.{message.name}"
            classes[message.name] = message_factory.GetMessageClass(
                pool.FindMessageTypeByName(full_name)
            )
    return classes


_CLASSES = _load()

ServerLiveRequest: Any = _CLASSES["ServerLiveRequest"]
ServerLiveResponse: Any = _CLASSES["ServerLiveResponse"]
ServerReadyRequest: Any = _CLASSES["ServerReadyRequest"]
ServerReadyResponse: Any = _CLASSES["ServerReadyResponse"]
ModelReadyRequest: Any = _CLASSES["ModelReadyRequest"]
ModelReadyResponse: Any = _CLASSES["ModelReadyResponse"]
ServerMetadataRequest: Any = _CLASSES["ServerMetadataRequest"]
ServerMetadataResponse: Any = _CLASSES["ServerMetadataResponse"]
ModelMetadataRequest: Any = _CLASSES["ModelMetadataRequest"]
ModelMetadataResponse: Any = _CLASSES["ModelMetadataResponse"]
ModelInferRequest: Any = _CLASSES["ModelInferRequest"]
ModelInferResponse: Any = _CLASSES["ModelInferResponse"]
InferParameter: Any = _CLASSES["InferParameter"]
InferTensorContents: Any = _CLASSES["InferTensorContents"]
