"""The V2 tensor codec: JSON and binary tensor data, request and response bodies, errors."""

from __future__ import annotations

import struct
from typing import Any

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from modelport.codecs.v2_bodies import (
    InferenceRequest,
    RequestedOutput,
    decode_request,
    encode_request,
    encode_response,
    split_body,
)
from modelport.codecs.v2_data import (
    DTYPES,
    Tensor,
    decode_binary_data,
    decode_json_data,
    encode_binary_data,
    json_data,
)
from modelport.errors import InvalidInput, MalformedInput, NotAcceptable

SAMPLES: dict[str, np.ndarray] = {
    "BOOL": np.array([[True, False, True], [False, False, True]]),
    "INT8": np.array([[-128, 0, 127]], dtype=np.int8),
    "INT16": np.array([-32768, 5, 32767], dtype=np.int16),
    "INT32": np.array([-(2**31), 1, 2**31 - 1], dtype=np.int32),
    "INT64": np.array([-(2**63), 1, 2**63 - 1], dtype=np.int64),
    "UINT8": np.array([0, 255], dtype=np.uint8),
    "UINT16": np.array([0, 65535], dtype=np.uint16),
    "UINT32": np.array([0, 2**32 - 1], dtype=np.uint32),
    "UINT64": np.array([0, 2**64 - 1], dtype=np.uint64),
    "FP16": np.array([1.5, -0.0009765625, 65504.0], dtype=np.float16),
    "FP32": np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 8,
    "FP64": np.array([1e-300, -2.5, 1e300]),
    "BYTES": np.array([["a", "héllo"], ["", "z"]], dtype=object),
}


@pytest.mark.parametrize("datatype", list(SAMPLES))
def test_json_round_trip(datatype: str) -> None:
    sent = SAMPLES[datatype]
    decoded = decode_json_data("t", datatype, sent.shape, sent.tolist())
    assert decoded.shape == sent.shape
    assert decoded.dtype == DTYPES[datatype]
    assert decoded.tolist() == sent.tolist()
    back = orjson.loads(
        orjson.dumps(json_data(Tensor("t", datatype, decoded)), option=orjson.OPT_SERIALIZE_NUMPY)
    )
    assert back == sent.reshape(-1).tolist()  # flat, row-major


@pytest.mark.parametrize("datatype", list(SAMPLES))
def test_binary_round_trip(datatype: str) -> None:
    sent = SAMPLES[datatype]
    raw = encode_binary_data(Tensor("t", datatype, sent))
    decoded = decode_binary_data("t", datatype, sent.shape, raw)
    assert decoded.shape == sent.shape
    expected = sent if datatype != "BYTES" else np.vectorize(str.encode, otypes=[object])(sent)
    assert decoded.tolist() == expected.tolist()


def test_binary_layout_is_little_endian_and_packed() -> None:
    assert encode_binary_data(Tensor("t", "INT32", np.array([1, 256], np.int32))) == (
        b"\x01\x00\x00\x00\x00\x01\x00\x00"
    )
    assert encode_binary_data(Tensor("t", "BOOL", np.array([True, False]))) == b"\x01\x00"
    words = np.array(["ab", b"\xff"], dtype=object)
    assert encode_binary_data(Tensor("t", "BYTES", words)) == (
        struct.pack("<I", 2) + b"ab" + struct.pack("<I", 1) + b"\xff"
    )
    big_endian = np.array([1.5], dtype=">f8")
    assert encode_binary_data(Tensor("t", "FP64", big_endian)) == struct.pack("<d", 1.5)


def test_json_data_may_be_flat_or_nested() -> None:
    flat = decode_json_data("t", "INT32", (2, 2), [1, 2, 3, 4])
    nested = decode_json_data("t", "INT32", (2, 2), [[1, 2], [3, 4]])
    assert flat.tolist() == nested.tolist() == [[1, 2], [3, 4]]
    words = decode_json_data("t", "BYTES", (2,), [["a"], ["b"]])
    assert words.tolist() == ["a", "b"]
    assert decode_json_data("t", "FP32", (0,), []).dtype == np.float32


def test_numbers_are_read_exactly_or_refused() -> None:
    assert decode_json_data("t", "FP16", (2,), [1, 2]).tolist() == [1.0, 2.0]
    assert decode_json_data("t", "INT8", (2,), [1.0, -3]).tolist() == [1, -3]
    big = [2**64 - 1, 2**63 + 1, 0]
    assert decode_json_data("t", "UINT64", (3,), big).tolist() == big


@pytest.mark.parametrize(
    ("datatype", "shape", "data", "words"),
    [
        ("FP32", (3,), [1.0, 2.0], "2 values for shape [3]"),
        ("INT32", (2,), [[1, 2], [3]], "ragged"),
        ("INT32", (2,), [1.5, 2], "fractions"),
        ("UINT64", (2,), [-1, 2**64 - 1], "outside UINT64"),
        ("INT8", (1,), [300], "outside INT8"),
        ("UINT8", (1,), [-1], "outside UINT8"),
        ("FP32", (1,), ["1.5"], "text"),
        ("FP32", (2,), [1.0, None], "nulls"),
        ("FP64", (1,), [True], "booleans"),
        ("BOOL", (2,), [1, 0], "int64"),
        ("BYTES", (2,), ["a", 5], "int 5"),
        ("BYTES", (2,), [["a", "b"], "c"], "ragged"),
        ("INT64", (1,), [2**70], "nulls, nested lists or mixed"),
    ],
)
def test_bad_json_data_names_the_tensor(
    datatype: str, shape: tuple[int, ...], data: Any, words: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        decode_json_data("pixels", datatype, shape, data)
    assert caught.value.field == "pixels"
    assert words in caught.value.message


@pytest.mark.parametrize(
    ("datatype", "shape", "raw"),
    [
        ("FP32", (2,), b"\x00" * 7),
        ("BOOL", (3,), b"\x01\x00"),
        ("BYTES", (2,), struct.pack("<I", 1) + b"a"),  # one element for two
        ("BYTES", (1,), struct.pack("<I", 5) + b"ab"),  # shorter than its length
        ("BYTES", (1,), struct.pack("<I", 1) + b"ab"),  # bytes left over
    ],
)
def test_bad_binary_data_names_the_tensor(
    datatype: str, shape: tuple[int, ...], raw: bytes
) -> None:
    with pytest.raises(InvalidInput) as caught:
        decode_binary_data("x", datatype, shape, raw)
    assert caught.value.field == "x"


def test_bytes_that_are_not_text_cannot_go_as_json() -> None:
    with pytest.raises(NotAcceptable) as caught:
        json_data(Tensor("blob", "BYTES", np.array([b"\xff"], dtype=object)))
    assert caught.value.field == "blob"


# --- whole bodies ----------------------------------------------------------------------------


def test_request_round_trip_mixing_json_and_binary() -> None:
    inputs = [
        (Tensor("a", "FP32", np.array([[1.0, 2.0]], np.float32)), True),
        (Tensor("b", "BYTES", np.array(["x"], dtype=object)), False),
        (Tensor("c", "BOOL", np.array([True])), True),
    ]
    outputs = [RequestedOutput("y", binary=True), RequestedOutput("z")]
    body, length = encode_request(
        inputs, outputs=outputs, parameters={"binary_data_output": True}, request_id="r1"
    )
    assert length is not None
    decoded = decode_request(body, str(length))
    assert isinstance(decoded, InferenceRequest)
    assert decoded.id == "r1"
    assert decoded.binary_output is True
    assert decoded.outputs == (RequestedOutput("y", True), RequestedOutput("z", None))
    assert [(t.name, t.datatype, t.shape) for t in decoded.inputs] == [
        ("a", "FP32", [1, 2]),
        ("b", "BYTES", [1]),
        ("c", "BOOL", [1]),
    ]
    assert decoded.inputs[0].data.tolist() == [[1.0, 2.0]]
    assert decoded.inputs[1].data.tolist() == ["x"]
    assert decoded.inputs[2].data.tolist() == [True]


def test_all_json_request_needs_no_header_length() -> None:
    body, length = encode_request([(Tensor("a", "INT64", np.array([3])), False)])
    assert length is None
    decoded = decode_request(body)
    assert decoded.inputs[0].data.tolist() == [3]
    assert (decoded.id, decoded.outputs, decoded.binary_output) == (None, None, False)


def test_response_body() -> None:
    outputs = [
        (Tensor("p", "FP32", np.array([0.5, 0.25], np.float32)), False),
        (Tensor("w", "BYTES", np.array(["hi"], dtype=object)), True),
    ]
    body, length = encode_response({"model_name": "m", "id": "1"}, outputs)
    assert length is not None
    header = orjson.loads(body[:length])
    assert header == {
        "model_name": "m",
        "id": "1",
        "outputs": [
            {"name": "p", "datatype": "FP32", "shape": [2], "data": [0.5, 0.25]},
            {"name": "w", "datatype": "BYTES", "shape": [1], "parameters": {"binary_data_size": 6}},
        ],
    }
    assert body[length:] == struct.pack("<I", 2) + b"hi"
    json_only, none = encode_response({}, outputs[:1])
    assert none is None
    assert orjson.loads(json_only)["outputs"][0]["data"] == [0.5, 0.25]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"inputs": []}, "inputs"),
        ([1, 2], "inputs"),
        ({"inputs": [5]}, "inputs[0]"),
        ({"inputs": [{"shape": [1], "datatype": "FP32", "data": [1]}]}, "inputs[0].name"),
        ({"inputs": [{"name": "a", "shape": [1], "datatype": "FP32"}]}, "a"),
        ({"inputs": [{"name": "a", "shape": "1", "datatype": "FP32", "data": [1]}]}, "a"),
        ({"inputs": [{"name": "a", "shape": [-1], "datatype": "FP32", "data": [1]}]}, "a"),
        ({"inputs": [{"name": "a", "shape": [1], "datatype": "STRING", "data": ["x"]}]}, "a"),
        ({"inputs": [{"name": "a", "shape": [1], "datatype": "INT8", "data": [1]}], "id": 3}, "id"),
        (
            {
                "inputs": [{"name": "a", "shape": [1], "datatype": "INT8", "data": [1]}],
                "outputs": [{"name": "y", "parameters": {"binary_data": "yes"}}],
            },
            "y",
        ),
        (
            {
                "inputs": [{"name": "a", "shape": [1], "datatype": "INT8", "data": [1]}],
                "parameters": {"binary_data_output": 1},
            },
            "parameters",
        ),
    ],
)
def test_invalid_requests_name_the_field(body: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        decode_request(orjson.dumps(body))
    assert caught.value.field == field
    assert not isinstance(caught.value, MalformedInput)


def test_malformed_bodies() -> None:
    with pytest.raises(MalformedInput):
        decode_request(b"{nope")
    for length in ("x", "0", "-1", "99"):
        with pytest.raises(MalformedInput) as caught:
            split_body(b"{}", length)
        assert caught.value.field == "Inference-Header-Content-Length"
    header = orjson.dumps(
        {
            "inputs": [
                {
                    "name": "a",
                    "shape": [2],
                    "datatype": "INT8",
                    "parameters": {"binary_data_size": 2},
                }
            ]
        }
    )
    with pytest.raises(MalformedInput) as short:
        decode_request(header + b"\x01", len(header))
    assert short.value.field == "a"
    with pytest.raises(MalformedInput) as extra:
        decode_request(header + b"\x01\x02\x03", len(header))
    assert extra.value.field == "Inference-Header-Content-Length"
    assert decode_request(header + b"\x01\x02", len(header)).inputs[0].data.tolist() == [1, 2]


# --- property: whatever goes out as binary comes back the same ------------------------------

_NUMERIC = [name for name in DTYPES if name != "BYTES"]


@st.composite
def tensors(draw: st.DrawFn) -> Tensor:
    datatype = draw(st.sampled_from([*_NUMERIC, "BYTES"]))
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4))
    if datatype == "BYTES":
        elements = st.binary(max_size=12)
        data = draw(hnp.arrays(object, shape, elements=elements))
    else:
        data = draw(hnp.arrays(DTYPES[datatype], shape))
    return Tensor(draw(st.text(min_size=1, max_size=8)), datatype, data)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(tensors(), st.booleans()), min_size=1, max_size=4))
def test_binary_and_json_bodies_round_trip(inputs: list[tuple[Tensor, bool]]) -> None:
    # JSON carries BYTES only as text, and floats only when finite
    sendable = [(t, binary or _json_unsafe(t)) for t, binary in inputs]
    body, length = encode_request(sendable)
    decoded = decode_request(body, length)
    for (sent, _), got in zip(sendable, decoded.inputs, strict=True):
        assert (got.name, got.datatype, got.shape) == (sent.name, sent.datatype, sent.shape)
        assert got.data.dtype == DTYPES[sent.datatype]
        if sent.datatype == "BYTES":
            assert got.data.tolist() == sent.data.tolist()
        else:
            np.testing.assert_array_equal(got.data, sent.data, strict=True)


def _json_unsafe(tensor: Tensor) -> bool:
    if tensor.datatype == "BYTES":
        return True
    return tensor.data.dtype.kind == "f" and not np.isfinite(tensor.data).all()
