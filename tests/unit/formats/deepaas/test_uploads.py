"""File arguments: DEEPaaS's own ``UploadedFile`` where deepaas imports, modelport's namedtuple
of the same fields where it does not (as in this test environment)."""

from __future__ import annotations

import collections
import importlib.util

import anyio
from starlette.requests import Request
from starlette.types import Message

from modelport.formats.deepaas.arguments import Arguments
from modelport.formats.deepaas.codec import delete_files, read_arguments
from modelport.formats.deepaas.uploads import UploadedFile, is_uploaded_file, uploaded_file_type

BODY = (
    b"--XYZ\r\n"
    b'Content-Disposition: form-data; name="data"; filename="a.csv"\r\n'
    b"Content-Type: text/csv\r\n\r\n"
    b"1,2\r\n"
    b"--XYZ--\r\n"
)


def test_without_deepaas_files_are_modelports_uploaded_file() -> None:
    assert importlib.util.find_spec("deepaas") is None  # what this test is about
    assert uploaded_file_type() is UploadedFile

    async def receive() -> Message:
        return {"type": "http.request", "body": BODY, "more_body": False}

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v2/models/m/predict/",
        "query_string": b"",
        "headers": [(b"content-type", b"multipart/form-data; boundary=XYZ")],
    }
    arguments = Arguments.declared({}, function="get_predict_args")
    values, temp_files = anyio.run(read_arguments, Request(scope, receive), arguments)
    try:
        upload = values["data"]
        assert type(upload) is UploadedFile
        assert (upload.name, upload.content_type, upload.original_filename) == (
            "data",
            "text/csv",
            "a.csv",
        )
        with open(upload.filename, "rb") as handle:
            assert handle.read() == b"1,2"
    finally:
        delete_files(temp_files)


def test_either_class_is_an_uploaded_file() -> None:
    theirs = collections.namedtuple(
        "UploadedFile", ("name", "filename", "content_type", "original_filename")
    )
    assert is_uploaded_file(UploadedFile("d", "/tmp/x", None, None))
    assert is_uploaded_file(theirs("d", "/tmp/x", None, None))
    assert not is_uploaded_file(("d", "/tmp/x", None, None))
    assert not is_uploaded_file("d")
