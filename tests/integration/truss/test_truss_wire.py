"""What Truss's own clients and tests read off the wire: input parsing errors in Truss's words,
the Anthropic and OpenAI Responses routes, answers spaced as ``json.dumps`` writes them, the
schema route's errors and FastAPI's 404 for unknown paths (in-process, over ASGI)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from starlette.testclient import TestClient

from modelport.serving.runtime import ModelRuntime

from .conftest import serving


@pytest.fixture(scope="module")
def client(runtime_of: Callable[..., ModelRuntime]) -> Iterator[TestClient]:
    with serving(runtime_of("llm_gateway"), runtime_of("typed")) as client:
        yield client


def test_one_bad_field_is_an_input_parsing_error(client: TestClient) -> None:
    answer = client.post("/v1/models/truss-typed:predict", json={"text": "hi", "repeat": 9})
    assert answer.status_code == 400
    assert answer.headers["x-baseten-error-code"] == "700"
    assert answer.json() == {
        "error": "Input Parsing Error:\n  `repeat`: Input should be less than or equal to 5."
    }


def test_several_bad_fields_are_one_line_each(client: TestClient) -> None:
    answer = client.post("/v1/models/truss-typed:predict", json={"repeat": "many"})
    assert answer.status_code == 400
    assert answer.json()["error"].splitlines() == [
        "Input Parsing Errors:",
        "  `text`: Field required.",
        "  `repeat`: Input should be a valid integer, unable to parse string as an integer.",
    ]


@pytest.mark.parametrize(
    ("path", "body", "text"),
    [
        (
            "/v1/messages",
            {"model": "echo-1", "max_tokens": 64, "messages": [{"role": "user", "content": "hi"}]},
            lambda answer: answer["content"][0]["text"],
        ),
        (
            "/v1/responses",
            {"model": "echo-1", "input": "hi"},
            lambda answer: answer["output"][0]["content"][0]["text"],
        ),
        (
            "/v1/chat/completions",
            {"model": "echo-1", "messages": [{"role": "user", "content": "hi"}]},
            lambda answer: answer["choices"][0]["message"]["content"],
        ),
    ],
)
def test_llm_client_routes_call_the_models_methods(
    client: TestClient, path: str, body: dict[str, object], text: Callable[[dict[str, object]], str]
) -> None:
    answer = client.post(path, json=body)
    assert answer.status_code == 200, answer.text
    assert text(answer.json()) == "HI"


def test_a_model_without_the_method_is_a_404_in_truss_words(
    runtime_of: Callable[..., ModelRuntime],
) -> None:
    with serving(runtime_of("typed")) as client:
        answer = client.post("/v1/messages", json={"messages": []})
    assert answer.status_code == 404
    assert answer.json() == {"error": "`messages` must only be called if model has it."}


def test_answers_are_spaced_as_json_dumps_writes_them(client: TestClient) -> None:
    answer = client.post("/v1/models/truss-llm-gateway:predict", json={"prompt": "héllo"})
    assert answer.text == '{"completion": "H\\u00c9LLO", "model": "echo-1"}'
    assert answer.headers["content-type"] == "application/json"
    assert client.get("/v1/models/truss-llm-gateway").text == "{}"  # the server's own: compact


def test_the_schema_of_an_untyped_model_is_a_404_from_the_server(client: TestClient) -> None:
    answer = client.get("/v1/models/truss-llm-gateway/schema")
    assert (answer.status_code, answer.json()) == (404, {"error": "No schema found"})
    assert answer.headers["x-baseten-error-source"] == "04"
    assert answer.headers["x-baseten-error-code"] == "600"  # an HTTPException: not the client's


def test_the_schema_while_loading_is_a_503(runtime_of: Callable[..., ModelRuntime]) -> None:
    with serving(runtime_of("llm_gateway", load=False)) as client:
        answer = client.get("/v1/models/truss-llm-gateway/schema")
    assert answer.status_code == 503
    assert answer.json() == {"error": "Schema not available, please try again later."}


def test_unknown_paths_are_fastapis_404(client: TestClient) -> None:
    for method, path in (("GET", "/nothing"), ("POST", "/v1/models/x/y/z"), ("GET", "/v2/x")):
        answer = client.request(method, path)
        assert (answer.status_code, answer.text) == (404, '{"detail":"Not Found"}'), path
    assert client.get("/v1/chat/completions").status_code == 405  # a known path, another method
    assert client.get("/metrics").status_code == 200  # routes after the Truss ones still answer
    assert client.get("/v2/health/ready").status_code == 200
