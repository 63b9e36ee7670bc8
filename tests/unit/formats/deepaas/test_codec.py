"""DEEPaaS's wire format: an unreadable multipart body is a 400 in DEEPaaS's text shape, saying
why once (DEEPaaS 2.6 answers 500, a server error for what the client sent)."""

from __future__ import annotations

import anyio
import pytest
from starlette.requests import Request
from starlette.types import Message

from modelport.errors import MalformedInput
from modelport.formats.deepaas.arguments import Arguments
from modelport.formats.deepaas.codec import deepaas_body, read_arguments
from modelport.serving.problems import problem_of


def _request(body: bytes, content_type: str) -> Request:
    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v2/models/m/predict/",
        "query_string": b"",
        "headers": [(b"content-type", content_type.encode())],
    }
    return Request(scope, receive)


@pytest.mark.parametrize(
    "body",
    [
        b"--XYZ\r\nnot a part",
        b"--XYZ\r\n\r\nno Content-Disposition\r\n--XYZ--\r\n",  # found by schemathesis
    ],
)
def test_an_unreadable_multipart_body_says_why_once(body: bytes) -> None:
    request = _request(body, "multipart/form-data; boundary=XYZ")
    arguments = Arguments.declared({}, function="get_predict_args")
    with pytest.raises(MalformedInput) as refused:
        anyio.run(read_arguments, request, arguments)
    error = refused.value
    assert error.status == 400
    assert error.hint
    text = deepaas_body(problem_of(error)).body.decode()
    assert text.startswith("400: ")
    assert text.count(error.hint[1:]) == 1, text
