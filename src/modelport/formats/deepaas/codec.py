"""DEEPaaS's wire format: the arguments a request carries (query string, then a form, a
multipart form with files, or a JSON body) and the answers' shapes, errors included.
Uploaded files reach the model as ``uploads`` makes them (DEEPaaS's own ``UploadedFile`` where
deepaas is installed).

Errors on DEEPaaS routes take DEEPaaS's shapes and status codes: 422 with marshmallow's messages
for invalid arguments, ``404: Not Found`` for an unknown training job (or path),
``"<status>: <message>"`` as text otherwise. A JSON body that is not
valid JSON is a 400 ``{"json": ["Invalid JSON body."]}``; a multipart body that cannot be read is
a 400 saying why (DEEPaaS 2.6 answers it 500: a server error for the client's fault). An uploaded
file is written to a temporary file, which the caller deletes once the model is done with it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import anyio.to_thread
import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from modelport.codecs.multipart import FORM_DATA, FormPart, parse_form_data
from modelport.codecs.negotiation import is_json, parse_media_type
from modelport.formats.deepaas.arguments import Arguments, InvalidArguments
from modelport.formats.deepaas.uploads import uploaded_file, uploaded_file_type
from modelport.serving.problems import Problem


class InvalidJsonBody(InvalidArguments):
    """A JSON body that is not valid JSON (DEEPaaS's 400 and its message)."""

    status = 400

    def __init__(self) -> None:
        super().__init__({"json": ["Invalid JSON body."]})


NOT_FOUND = "404: Not Found"
"""DEEPaaS's (aiohttp's) answer to an unknown path, model or training job."""


def deepaas_body(problem: Problem) -> Response:
    """DEEPaaS's error answers: marshmallow's messages for invalid arguments, ``404: Not Found``
    for what is not there, else ``"<status>: <message>"`` as text."""
    if isinstance(problem.error, InvalidArguments):
        return JSONResponse(problem.error.messages, status_code=problem.status)
    if problem.status == 404:
        return text_answer(NOT_FOUND, 404)
    return text_answer(f"{problem.status}: {problem.detail}", problem.status)


def text_answer(text: str, status: int, *, headers: dict[str, str] | None = None) -> Response:
    return Response(text, status_code=status, media_type="text/plain", headers=headers)


async def read_arguments(
    request: Request, arguments: Arguments
) -> tuple[dict[str, Any], list[str]]:
    """The request's argument values (query string, then the form or JSON body), with every
    uploaded file written to a temporary file (the caller deletes the paths returned)."""
    values: dict[str, Any] = {}
    temp_files: list[str] = []
    content_type = request.headers.get("content-type", "")
    media = parse_media_type(content_type)
    if media.essence == FORM_DATA:
        body = await request.body()
        parts = parse_form_data(body, content_type)  # MalformedInput: 400 saying why
        if any(p.is_file for p in parts):  # the first upload may import deepaas: not on the loop
            await anyio.to_thread.run_sync(uploaded_file_type)
        try:
            pairs = [(p.name, _saved(p, temp_files) if p.is_file else p.text()) for p in parts]
        except OSError:
            delete_files(temp_files)
            raise
        values.update(_grouped(pairs, arguments))
    elif media.essence == "application/x-www-form-urlencoded":
        body = await request.body()
        values.update(_grouped(parse_qsl(body.decode("latin-1")), arguments))
    elif is_json(media.essence):
        body = await request.body()
        if body.strip():
            try:
                decoded = orjson.loads(body)
            except orjson.JSONDecodeError as exc:
                raise InvalidJsonBody() from exc
            if isinstance(decoded, dict):
                values.update(decoded)
    values.update(_grouped(request.query_params.multi_items(), arguments))
    return values, temp_files


def _grouped(pairs: list[tuple[str, Any]], arguments: Arguments) -> dict[str, Any]:
    """Repeated names as lists for list arguments, else their first value."""
    grouped: dict[str, list[Any]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return {k: v if arguments.is_list(k) else v[0] for k, v in grouped.items()}


def _saved(part: FormPart, temp_files: list[str]) -> Any:
    with tempfile.NamedTemporaryFile(prefix="deepaas-", delete=False) as out:
        temp_files.append(out.name)
        out.write(part.data)
    return uploaded_file(
        name=part.name,
        filename=out.name,
        content_type=part.content_type,
        original_filename=part.filename,
    )


def delete_files(paths: list[str]) -> None:
    for path in paths:
        Path(path).unlink(missing_ok=True)


def json_answer(body: Any) -> Response:
    return Response(
        orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY), media_type="application/json"
    )
