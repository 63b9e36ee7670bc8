"""DEEPaaS's wire format: an unreadable multipart body is DEEPaaS's 500, saying why once."""

from __future__ import annotations

import anyio
import pytest
from starlette.requests import Request
from starlette.types import Message

from modelport.formats.deepaas.arguments import Arguments
from modelport.formats.deepaas.codec import UnreadableBody, deepaas_body, read_arguments
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


def test_an_unreadable_multipart_body_says_why_once() -> None:
    request = _request(b"--XYZ\r\nnot a part", "multipart/form-data; boundary=XYZ")
    arguments = Arguments.declared({}, function="get_predict_args")
    with pytest.raises(UnreadableBody) as refused:
        anyio.run(read_arguments, request, arguments)
    error = refused.value
    assert error.status == 500
    assert error.hint
    text = deepaas_body(problem_of(error)).body.decode()
    assert text.startswith("500: ")
    assert text.count(error.hint[1:]) == 1, text
