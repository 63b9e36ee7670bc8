"""Errors become answers in one place: every exception maps to one Problem, a convention's
routes only choose the body's shape, and server errors are logged once, secret values blanked."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import anyio
import httpx
import pytest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from modelport.errors import InvalidInput, ModelFailed, ModelTimeout, NotFound, PayloadTooLarge
from modelport.formats.deepaas.arguments import InvalidArguments
from modelport.formats.deepaas.codec import deepaas_body
from modelport.formats.odahu.routes import odahu_body
from modelport.formats.truss.codec import USER_CODE_FAILED, truss_body
from modelport.secrets import Secrets
from modelport.serving.problems import (
    EXCEPTION_HANDLERS,
    Problem,
    ProblemBody,
    answering,
    problem_json,
    problem_of,
)

Raiser = Callable[[], None]


def test_each_kind_of_error_maps_to_one_status() -> None:
    invalid = problem_of(InvalidInput("bad x", field="x", hint="send a number"))
    assert (invalid.status, invalid.title, invalid.field) == (422, "InvalidInput", "x")
    assert invalid.detail == "bad x. Send a number"
    assert problem_of(PayloadTooLarge("big")).status == 413
    assert problem_of(NotFound("who")).status == 404
    http = problem_of(HTTPException(405, headers={"allow": "POST"}))
    assert (http.status, http.title, http.headers) == (405, "Method Not Allowed", {"allow": "POST"})
    unforeseen = problem_of(KeyError("k"))
    assert (unforeseen.status, unforeseen.title, unforeseen.detail) == (
        500,
        "InternalError",
        "KeyError: 'k'",
    )
    assert not unforeseen.client_fault and invalid.client_fault


def test_the_default_body_is_problem_details() -> None:
    answer = problem_json(problem_of(InvalidInput("bad x", field="x")))
    assert answer.status_code == 422
    assert answer.media_type == "application/problem+json"
    assert answer.body == (
        b'{"type":"about:blank","title":"InvalidInput","status":422,'
        b'"detail":"bad x","error":"bad x","field":"x"}'
    )


@pytest.mark.parametrize(
    ("error", "status", "text"),
    [
        (InvalidInput("bad payload"), 400, '{"error":"bad payload"}'),
        (PayloadTooLarge("too big"), 413, '{"error":"too big"}'),
        (
            ModelFailed("ZeroDivisionError: division by zero"),
            500,
            f'{{"error":"{USER_CODE_FAILED}"}}',
        ),
    ],
)
def test_truss_chooses_its_own_shape(error: Exception, status: int, text: str) -> None:
    answer = truss_body(problem_of(error))
    assert (answer.status_code, answer.body.decode()) == (status, text)
    assert answer.headers["x-baseten-error-code"] == ("700" if status < 500 else "600")


def test_deepaas_and_odahu_choose_their_own_shapes() -> None:
    arguments = deepaas_body(problem_of(InvalidArguments({"n": ["Not a valid integer."]})))
    assert (arguments.status_code, arguments.body) == (422, b'{"n":["Not a valid integer."]}')
    missing = deepaas_body(problem_of(NotFound("no training 'x'")))
    assert (missing.status_code, missing.body) == (404, b"404: Not Found")  # as aiohttp answers
    odahu = odahu_body(problem_of(InvalidInput("columns differ")))
    assert (odahu.status_code, odahu.body) == (422, b'{"message":"columns differ"}')


def _app(
    raise_it: Raiser,
    *,
    body: ProblemBody | None = None,
    debug: bool = False,
    model_tracebacks: bool = False,
) -> Starlette:
    async def endpoint(request: Request) -> Response:
        raise_it()
        return Response("unreached")

    route = endpoint
    if body is not None:
        route = answering(body, endpoint, model_tracebacks=model_tracebacks)
    return Starlette(
        debug=debug,
        routes=[Route("/", route)],
        exception_handlers=EXCEPTION_HANDLERS,
    )


def _get(app: Starlette, headers: dict[str, str] | None = None) -> httpx.Response:
    """``GET /`` of ``app``, in-process."""

    async def get() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.get("/", headers=headers)

    return anyio.run(get)


def _model_fails() -> None:
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError as exc:
        raise ModelFailed(f"{type(exc).__name__}: {exc}") from exc


def test_a_model_failure_is_one_line_with_its_traceback_under_debug(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR):
        assert _get(_app(_model_fails)).status_code == 500
    assert "ModelFailed: ZeroDivisionError: division by zero" in caplog.text
    assert "Traceback" not in caplog.text
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        assert _get(_app(_model_fails, debug=True)).status_code == 500
    assert "Traceback" in caplog.text and "1 / 0" in caplog.text


def test_a_convention_may_log_model_failures_with_their_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def times_out() -> None:
        try:
            raise TimeoutError
        except TimeoutError as exc:
            raise ModelTimeout("the model did not answer within 1 s") from exc

    with caplog.at_level(logging.ERROR):
        assert _get(_app(_model_fails, body=truss_body, model_tracebacks=True)).status_code == 500
    assert "Traceback" in caplog.text and "1 / 0" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        assert _get(_app(times_out, body=truss_body, model_tracebacks=True)).status_code == 504
    assert "within 1 s" in caplog.text
    assert "Traceback" not in caplog.text


def test_a_client_fault_is_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    def refuse() -> None:
        raise InvalidInput("bad")

    with caplog.at_level(logging.ERROR):
        assert _get(_app(refuse)).status_code == 422
    assert caplog.text == ""


def test_a_secret_the_model_read_is_blanked_in_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    secrets = Secrets(
        ["token"],
        secrets_dir=Path("/nonexistent"),
        store=None,
        environ={"TRUSS_SECRET_token": "s3cr3t-value"},
    )
    value = secrets["token"]

    def leak() -> None:
        raise ModelFailed(f"RuntimeError: could not log in with {value}")

    for body in (None, truss_body):
        with caplog.at_level(logging.ERROR):
            assert _get(_app(leak, body=body)).status_code == 500
    assert "could not log in with ***" in caplog.text
    assert "s3cr3t-value" not in caplog.text


def test_debug_answers_unforeseen_errors_with_their_traceback() -> None:
    def crash() -> None:
        raise KeyError("the missing key")

    plain = _get(_app(crash))
    assert plain.status_code == 500
    assert plain.json()["detail"] == "KeyError: 'the missing key'"
    debug = _get(_app(crash, debug=True), headers={"accept": "text/plain"})
    assert debug.status_code == 500
    assert "Traceback" in debug.text and "the missing key" in debug.text


def test_problem_is_what_a_body_shape_receives() -> None:
    seen: list[Problem] = []

    def shape(problem: Problem) -> Response:
        seen.append(problem)
        return Response(problem.title, status_code=problem.status)

    assert _get(_app(_model_fails, body=shape)).text == "ModelFailed"
    assert isinstance(seen[0].error, ModelFailed)
