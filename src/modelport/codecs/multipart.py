"""``multipart/form-data`` bodies, read with the standard library's MIME parser.

The parser is lenient, so a body must also end with its closing boundary: a truncated upload is
refused instead of being read as whatever arrived.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import HTTP

from modelport.errors import MalformedInput

FORM_DATA = "multipart/form-data"


@dataclass(frozen=True)
class FormPart:
    name: str
    data: bytes
    filename: str | None = None
    """Set for a file part (the name the client gave the file)."""
    content_type: str | None = None

    @property
    def is_file(self) -> bool:
        return self.filename is not None

    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")


def parse_form_data(body: bytes, content_type: str) -> list[FormPart]:
    """The parts of a ``multipart/form-data`` body, in order."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    boundary = message.get_boundary()
    if boundary is None:
        raise MalformedInput(
            "the multipart/form-data body has no boundary in its Content-Type",
            hint="let the client build the body (curl -F name=@file, requests files=...)",
            field="Content-Type",
        )
    if not body.rstrip().endswith(f"--{boundary}--".encode("latin-1")):
        raise MalformedInput(
            "the multipart/form-data body is malformed or truncated (no closing boundary)",
            hint="send a well-formed multipart body (curl -F name=@file)",
        )
    parts = []
    for part in message.iter_parts():
        assert isinstance(part, EmailMessage)
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            raise MalformedInput(
                "a multipart/form-data part has no name in its Content-Disposition",
                hint='each part needs Content-Disposition: form-data; name="..."',
            )
        payload = part.get_payload(decode=True)
        filename = part.get_filename()
        parts.append(
            FormPart(
                name=name,
                data=payload if isinstance(payload, bytes) else b"",
                filename=filename,
                content_type=part.get_content_type() if filename is not None else None,
            )
        )
    return parts
