"""multipart/form-data bodies read with the standard library."""

from __future__ import annotations

import httpx
import pytest

from modelport.codecs.multipart import FormPart, parse_form_data
from modelport.errors import MalformedInput


def encoded(**kwargs: object) -> tuple[bytes, str]:
    request = httpx.Request("POST", "http://x/", **kwargs)  # type: ignore[arg-type]
    return request.read(), request.headers["content-type"]


def test_fields_and_files_in_order() -> None:
    body, content_type = encoded(
        data={"numbers": ["1", "2"], "mode": "sum"},
        files={"data": ("a.bin", b"\0\1\2\r\n--x", "application/octet-stream")},
    )
    assert parse_form_data(body, content_type) == [
        FormPart("numbers", b"1"),
        FormPart("numbers", b"2"),
        FormPart("mode", b"sum"),
        FormPart("data", b"\0\1\2\r\n--x", "a.bin", "application/octet-stream"),
    ]


def test_unicode_field_text() -> None:
    body, content_type = encoded(data={"text": "héllo"}, files={"f": ("f", b"")})
    part, file = parse_form_data(body, content_type)
    assert file.is_file
    assert part.text() == "héllo"
    assert not part.is_file


@pytest.mark.parametrize(
    ("body", "content_type", "says"),
    [
        (
            b"--XYZ\r\nContent-Disposition: form-data; name=",
            "multipart/form-data; boundary=XYZ",
            "closing boundary",
        ),
        (b"anything", "multipart/form-data", "no boundary"),
        (
            b"--XYZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XYZ--\r\n",
            "multipart/form-data; boundary=XYZ",
            "no name",
        ),
    ],
)
def test_malformed_bodies_are_refused(body: bytes, content_type: str, says: str) -> None:
    with pytest.raises(MalformedInput, match=says):
        parse_form_data(body, content_type)
