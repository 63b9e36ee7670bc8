"""modelport.Client without a server: URLs, request bodies, answers and error mapping."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pytest

from modelport import errors
from modelport.client import Client
from modelport.client.bodies import (
    ARROW_STREAM,
    JSON,
    NDJSON,
    decode_output,
    encode_input,
)
from modelport.codecs.arrow_ipc import decode_arrow, encode_arrow
from modelport.errors import error_from_response


def test_import_modelport_does_not_import_httpx_or_pandas() -> None:
    code = "import sys, modelport; print(sorted({'httpx', 'pandas'} & set(sys.modules)))"
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert found.strip() == "[]"


@pytest.mark.parametrize(
    ("url", "base", "model", "version"),
    [
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080", None, None),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080", None, None),
        ("http://h:1/v1/models/iris", "http://h:1", "iris", None),
        ("http://h:1/v1/models/iris/predict", "http://h:1", "iris", None),
        ("http://h:1/v1/models/iris/versions/3/predict", "http://h:1", "iris", "3"),
        ("http://h:1/v1/models/iris:predict", "http://h:1", "iris", None),
        ("https://h/prefix/v2/models/iris/infer", "https://h/prefix", "iris", None),
    ],
)
def test_the_url_may_name_the_model(
    url: str, base: str, model: str | None, version: str | None
) -> None:
    client = Client(url)
    assert (client.url, client._model, client.version) == (base, model, version)


def test_a_given_model_wins_over_the_url_and_a_version_is_kept_as_text() -> None:
    client = Client("http://h:1/v1/models/iris", model="other", version=2)
    assert (client.model, client.version) == ("other", "2")


def test_bad_urls_and_transports_are_refused() -> None:
    with pytest.raises(errors.InvalidInput, match="not an HTTP URL") as caught:
        Client("127.0.0.1:8080")
    assert caught.value.field == "url"
    with pytest.raises(errors.InvalidInput, match="unknown transport") as caught:
        Client("http://h:1", transport="grpc")  # type: ignore[arg-type]
    assert caught.value.field == "transport"


# --- bodies ---------------------------------------------------------------------------------

ROWS = [{"x": 1.0, "y": 2.0}, {"x": 3.0, "y": 4.0}]


@pytest.mark.parametrize(
    "data",
    [
        ROWS,
        tuple(ROWS),
        {"x": [1.0, 3.0], "y": [2.0, 4.0]},
        {"x": np.array([1.0, 3.0]), "y": pd.Series([2.0, 4.0])},
        pd.DataFrame(ROWS, index=[7, 9]),
        pa.Table.from_pylist(ROWS),
        pa.RecordBatch.from_pylist(ROWS),
    ],
    ids=["records", "tuple", "columns", "numpy-columns", "frame", "table", "batch"],
)
def test_every_tabular_form_becomes_the_same_rows(data: object) -> None:
    body, content_type = encode_input(data, "json")
    assert content_type == JSON
    value = orjson.loads(body)
    rows = value if isinstance(value, list) else pd.DataFrame(value).to_dict(orient="records")
    assert rows == ROWS
    arrow_body, arrow_type = encode_input(data, "arrow")
    assert arrow_type == ARROW_STREAM
    assert decode_arrow(arrow_body).to_pylist() == ROWS


def test_positional_rows_go_as_json_even_over_arrow() -> None:
    for data in ([[5.1, 3.5]], np.array([[5.1, 3.5]])):
        body, content_type = encode_input(data, "arrow")
        assert (content_type, orjson.loads(body)) == (JSON, [[5.1, 3.5]])


def test_a_dict_of_single_values_is_one_row() -> None:
    body, _ = encode_input({"text": "hi", "n": np.int64(3)}, "json")
    assert orjson.loads(body) == [{"text": "hi", "n": 3}]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([5.1, 3.5], "only records"),
        ([{"x": 1}, [1]], "only records"),
        ({"x": [1, 2], "y": 3}, "one row"),
        (np.array([1.0, 2.0]), "1 dimensions"),
        ("x=1", "cannot send a str"),
        ([{"x": object()}], "cannot write the input as JSON"),
    ],
)
def test_input_that_is_not_rows_is_refused_with_a_hint(data: object, message: str) -> None:
    with pytest.raises(errors.InvalidInput, match=message):
        encode_input(data, "json")


def test_rows_that_arrow_cannot_type_are_refused_over_arrow() -> None:
    with pytest.raises(errors.InvalidInput, match="cannot write the input as Arrow"):
        encode_input([{"x": 1}, {"x": "a"}], "arrow")


# --- answers --------------------------------------------------------------------------------


def test_json_records_and_arrow_answers_become_frames() -> None:
    records = decode_output("application/json", orjson.dumps([{"species": 1}, {"species": 2}]))
    assert records["species"].tolist() == [1, 2]
    table = pa.table({"species": pa.array([1, 2], pa.int32())})
    frame = decode_output(f"{ARROW_STREAM}; charset=binary", encode_arrow(table))
    assert frame["species"].tolist() == [1, 2]
    assert frame["species"].dtype == np.int32


def test_a_streamed_answer_is_gathered_and_a_stream_error_raises() -> None:
    body = b'{"token": "a"}\n[{"token": "b"}, {"token": "c"}]\n\n'
    assert decode_output(NDJSON, body)["token"].tolist() == ["a", "b", "c"]
    failing = body + orjson.dumps({"error": {"status": 500, "detail": "exploded"}}) + b"\n"
    with pytest.raises(errors.ModelFailed, match="exploded"):
        decode_output(NDJSON, failing)


def test_an_answer_that_is_not_rows_is_a_model_failure() -> None:
    with pytest.raises(errors.ModelFailed, match="JSON int"):
        decode_output(JSON, b"3")
    with pytest.raises(errors.ModelFailed, match="malformed JSON"):
        decode_output(JSON, b"{")


# --- errors ---------------------------------------------------------------------------------


def _problem(status: int, title: str, detail: str, field: str | None = None) -> bytes:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if field:
        body["field"] = field
    return orjson.dumps(body)


@pytest.mark.parametrize(
    ("status", "title", "expected"),
    [
        (422, "InvalidInput", errors.InvalidInput),
        (400, "MalformedInput", errors.MalformedInput),
        (400, "ConfigError", errors.InvalidInput),  # not a kind of InvalidInput: by status
        (415, "UnsupportedMediaType", errors.UnsupportedMediaType),
        (413, "PayloadTooLarge", errors.PayloadTooLarge),
        (404, "NotFound", errors.NotFound),
        (404, "Not Found", errors.NotFound),
        (401, "Unauthorised", errors.Unauthorised),
        (409, "Conflict", errors.Conflict),
        (500, "ModelFailed", errors.ModelFailed),
        (500, "InternalError", errors.ModelFailed),
        (504, "ModelTimeout", errors.ModelTimeout),
        (502, "Bad Gateway", errors.ModelFailed),
    ],
)
def test_problems_become_modelport_errors(
    status: int, title: str, expected: type[errors.ModelportError]
) -> None:
    error = error_from_response(status, _problem(status, title, "what went wrong", "x"))
    assert type(error) is expected
    assert (error.message, error.field, error.status) == ("what went wrong", "x", status)


def test_other_error_bodies_keep_their_message() -> None:
    assert error_from_response(500, b'{"error": "Internal Server Error"}').message == (
        "Internal Server Error"
    )
    assert error_from_response(502, b"upstream down\n").message == "upstream down"
    empty = error_from_response(503, b"")
    assert isinstance(empty, errors.ModelFailed)
    assert empty.message == "the server answered 503"
