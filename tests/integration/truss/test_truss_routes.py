"""Trusses served on the Truss server's routes: readiness, predict, the hook chain, typed inputs
and their schema, msgpack, OpenAI-style routes, and Truss's error envelope (in-process, over
ASGI)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator

import msgpack
import pytest
from starlette.testclient import TestClient

from modelport.serving.runtime import ModelRuntime

from .conftest import serving


@pytest.fixture(scope="module")
def client(runtime_of: Callable[..., ModelRuntime]) -> Iterator[TestClient]:
    with serving(runtime_of("chain"), runtime_of("typed"), runtime_of("chat")) as client:
        yield client


def test_root_and_readiness_answer_as_the_truss_server_does(client: TestClient) -> None:
    assert client.get("/").json() is True
    for path in ("/v1/models/truss-chain", "/v1/models/any-name", "/v1/models/x/loaded", "/ping"):
        answer = client.get(path)
        assert (answer.status_code, answer.json()) == (200, {}), path


def test_async_preprocess_predict_and_sync_postprocess_run_in_order(client: TestClient) -> None:
    answer = client.post("/v1/models/truss-chain:predict", json={"values": [1, 2, 3]})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "values": [1, 2, 3],
        "path": "/v1/models/truss-chain:predict",
        "doubled": [2, 4, 6],
        "total": 12,
        "steps": ["pre", "predict", "post"],
    }


def test_the_body_is_json_whatever_the_content_type(client: TestClient) -> None:
    answer = client.post(
        "/v1/models/truss-chain:predict",
        content=b'{"values": [5]}',
        headers={"content-type": "text/plain"},
    )
    assert answer.json()["total"] == 10


def test_msgpack_in_msgpack_out(client: TestClient) -> None:
    for route in (":predict_binary", ":predict"):
        answer = client.post(
            f"/v1/models/truss-chain{route}",
            content=msgpack.packb({"values": [1, 1]}),
            headers={"content-type": "application/octet-stream"},
        )
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/octet-stream"
        assert msgpack.unpackb(answer.content)["total"] == 4


def test_a_typed_model_validates_its_input_and_publishes_its_schema(
    client: TestClient,
) -> None:
    answer = client.post("/v1/models/truss-typed:predict", json={"text": "hi", "repeat": 2})
    assert answer.json() == {"text": "hi hi", "length": 5}

    schema = client.get("/v1/models/truss-typed/schema").json()
    assert schema["input_schema"]["required"] == ["text", "repeat"]
    assert set(schema["output_schema"]["properties"]) == {"text", "length"}
    assert schema["supports_streaming"] is False


def test_a_validation_error_is_a_400_naming_the_field(client: TestClient) -> None:
    answer = client.post("/v1/models/truss-typed:predict", json={"text": "hi", "repeat": 9})
    assert answer.status_code == 400
    assert "repeat" in answer.json()["error"]
    assert answer.headers["x-baseten-error-code"] == "700"


def test_an_untyped_model_has_no_schema(client: TestClient) -> None:
    answer = client.get("/v1/models/truss-chain/schema")
    assert (answer.status_code, answer.json()) == (404, {"error": "No schema found"})


def test_malformed_json_is_a_400_in_truss_words(client: TestClient) -> None:
    answer = client.post("/v1/models/truss-chain:predict", content=b'{"values": [1,')
    assert answer.status_code == 400
    assert answer.json()["error"].startswith("Invalid JSON payload: ")
    assert answer.headers["x-baseten-error-source"] == "04"


@pytest.mark.parametrize("body", [b"\xc1", b"\x92\x01", b"\x81\xa1a"])
def test_malformed_msgpack_is_a_400_in_truss_words(client: TestClient, body: bytes) -> None:
    answer = client.post(
        "/v1/models/truss-chain:predict",
        content=body,
        headers={"content-type": "application/octet-stream"},
    )
    assert answer.status_code == 400
    assert answer.json()["error"].startswith("Invalid msgpack payload: ")
    assert answer.headers["x-baseten-error-code"] == "700"


def test_a_server_without_msgpack_says_so_not_that_the_model_failed(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "msgpack", None)  # what `import msgpack` meets without it
    answer = client.post(
        "/v1/models/truss-chain:predict_binary",
        content=msgpack.packb({"values": [1, 1]}),
        headers={"content-type": "application/octet-stream"},
    )
    assert answer.status_code == 500
    error = answer.json()["error"]
    assert "application/octet-stream" in error and "msgpack" in error
    assert "model/chainlet" not in error


def test_user_code_failing_is_a_plain_500(client: TestClient) -> None:
    answer = client.post("/v1/models/truss-chain:predict", json={"no-values": 1})
    assert answer.status_code == 500
    assert answer.json() == {"error": "Internal Server Error (in model/chainlet)."}
    assert answer.headers["x-baseten-error-code"] == "600"
    assert client.get("/v1/models/truss-chain").status_code == 200, "the server carries on"


def test_invocations_is_predict(client: TestClient) -> None:
    assert client.post("/invocations", json={"values": [2]}).json()["total"] == 4


def test_chat_completions_calls_the_models_method(client: TestClient) -> None:
    body = {"messages": [{"role": "user", "content": "abc"}]}
    answer = client.post("/v1/chat/completions", json=body)
    assert answer.json()["choices"][0]["message"]["content"] == "cba"


def test_a_streaming_chat_completion_is_server_sent_events(client: TestClient) -> None:
    body = {"messages": [{"role": "user", "content": "one two"}], "stream": True}
    with client.stream("POST", "/v1/chat/completions", json=body) as answer:
        assert answer.headers["content-type"].startswith("text/event-stream")
        events = [line for line in answer.iter_lines() if line.startswith("data: ")]
    assert len(events) == 3
    assert '"content":"one"' in events[0]
    assert events[-1] == "data: [DONE]"


def test_a_missing_openai_method_is_a_404(client: TestClient) -> None:
    answer = client.post("/v1/embeddings", json={"input": "x"})
    assert answer.status_code == 404
    assert answer.json() == {"error": "`embeddings` must only be called if model has it."}


def test_unknown_routes_are_plain_404s(client: TestClient) -> None:
    assert client.get("/v2/nothing").status_code == 404


def test_loaded_answers_503_until_the_model_is_loaded(
    runtime_of: Callable[..., ModelRuntime],
) -> None:
    runtime = runtime_of("concurrent", load=False)
    with serving(runtime) as client:
        before = client.get("/v1/models/truss-concurrent/loaded")
        assert before.status_code == 503
        assert "truss-concurrent is not ready" in before.json()["error"]
        runtime.load()
        after = client.get("/v1/models/truss-concurrent/loaded")
        assert (after.status_code, after.json()) == (200, {})
