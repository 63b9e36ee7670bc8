"""Receiving a version's upload: ``multipart/form-data`` with a ``registration`` part (JSON:
digest, signature, metadata, lineage, build, source_format, description) and an ``artifact``
part (the zip).

The artifact never sits in memory: its bytes go, as they arrive, to a temporary file while they
are hashed (the file writes and hashing in a worker thread, about a MiB at a time), and the
upload is refused the moment it passes the size bound. Only a complete body, whose digest is
the one the registration states, reaches the registry; a client that disconnects or dies
mid-upload leaves nothing but the temporary file, which the caller's ``with`` removes.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import anyio.to_thread
import orjson
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from modelport.errors import InvalidInput, MalformedInput, PayloadTooLarge, UnsupportedMediaType

MAX_REGISTRATION_BYTES = 4 * 1024 * 1024
"""The largest ``registration`` part (a signature of many fields is the big part of it)."""
_FLUSH_BYTES = 1024 * 1024
_FRAMING_BYTES = 64 * 1024
"""What multipart boundaries and part headers may add to an upload's body."""
_PARTS = ("registration", "artifact")


@dataclass
class Upload:
    """A received upload: the registration's fields and the artifact's file, size, digest."""

    registration: dict[str, Any]
    artifact: Path
    size: int
    digest: str


@dataclass
class _Part:
    name: str | None = None
    header_field: bytearray = field(default_factory=bytearray)
    header_value: bytearray = field(default_factory=bytearray)
    headers: dict[str, str] = field(default_factory=dict)


class _Receiver:
    """The multipart parser's callbacks: the registration kept, the artifact's bytes queued
    for the worker thread, each part checked for its name."""

    def __init__(self, artifact: BinaryIO, max_bytes: int) -> None:
        self.part = _Part()
        self.registration = bytearray()
        self.seen: set[str] = set()
        self.finished: set[str] = set()
        self.pending: list[bytes] = []
        self.pending_bytes = 0
        self.size = 0
        self.max_bytes = max_bytes
        self._artifact = artifact
        self._hasher = hashlib.sha256()

    def callbacks(self) -> Any:
        return {
            "on_part_begin": self._begin,
            "on_header_field": lambda data, a, b: self.part.header_field.extend(data[a:b]),
            "on_header_value": lambda data, a, b: self.part.header_value.extend(data[a:b]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._data,
            "on_part_end": lambda: self.finished.add(self.part.name or ""),
        }

    def _begin(self) -> None:
        self.part = _Part()

    def _header_end(self) -> None:
        name = self.part.header_field.decode("latin-1").lower()
        self.part.headers[name] = self.part.header_value.decode("latin-1")
        self.part.header_field.clear()
        self.part.header_value.clear()

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self.part.headers.get("content-disposition", ""))
        name = options.get(b"name", b"").decode("latin-1")
        if name not in _PARTS:
            raise InvalidInput(
                f"an upload has the parts registration and artifact, not {name!r}",
                field=name or "multipart",
            )
        if name in self.seen:
            raise InvalidInput(f"the upload has two {name} parts", field=name)
        self.seen.add(name)
        self.part.name = name

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self.part.name == "registration":
            self.registration += data[start:end]
            if len(self.registration) > MAX_REGISTRATION_BYTES:
                raise PayloadTooLarge(
                    f"the registration part is over {MAX_REGISTRATION_BYTES:,} bytes",
                    field="registration",
                )
            return
        self.size += end - start
        if self.size > self.max_bytes:
            raise _too_large(self.max_bytes)
        self.pending.append(bytes(data[start:end]))
        self.pending_bytes += end - start

    def flush(self) -> None:
        """Write and hash what is queued (called in a worker thread)."""
        for chunk in self.pending:
            self._hasher.update(chunk)
            self._artifact.write(chunk)
        self.pending.clear()
        self.pending_bytes = 0

    @property
    def digest(self) -> str:
        return f"sha256:{self._hasher.hexdigest()}"


@contextmanager
def scratch_file(folder: Path) -> Iterator[tuple[Path, BinaryIO]]:
    """A new temporary file in ``folder`` (made, owner-only, if missing), removed on leaving."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor, name = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".zip")
    path = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            yield path, stream
    finally:
        path.unlink(missing_ok=True)


async def receive_upload(
    request: Request, artifact: BinaryIO, path: Path, max_bytes: int
) -> Upload:
    """Read the upload of ``request`` into ``artifact`` (the open file at ``path``)."""
    media, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if media != b"multipart/form-data" or not boundary:
        raise UnsupportedMediaType(
            "an upload is multipart/form-data with the parts registration and artifact",
            hint="e.g. curl -F registration=@registration.json -F artifact=@model.zip ...",
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes + MAX_REGISTRATION_BYTES + _FRAMING_BYTES:
        raise _too_large(max_bytes)
    receiver = _Receiver(artifact, max_bytes)
    parser = MultipartParser(boundary, receiver.callbacks())
    try:
        async for chunk in request.stream():
            parser.write(chunk)
            if receiver.pending_bytes >= _FLUSH_BYTES:
                await anyio.to_thread.run_sync(receiver.flush)
        parser.finalize()
    except MultipartParseError as error:
        raise MalformedInput(f"the upload is not valid multipart: {error}") from error
    await anyio.to_thread.run_sync(receiver.flush)
    missing = [name for name in _PARTS if name not in receiver.finished]
    if missing:
        raise InvalidInput(f"the upload has no complete {missing[0]} part", field=missing[0])
    artifact.flush()
    try:
        registration = orjson.loads(receiver.registration)
    except orjson.JSONDecodeError as error:
        raise MalformedInput(
            f"the registration is not JSON: {error}", field="registration"
        ) from error
    if not isinstance(registration, dict):
        raise InvalidInput("the registration must be a JSON object", field="registration")
    return Upload(registration, path, receiver.size, receiver.digest)


def _too_large(max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the artifact is over this server's bound of {max_bytes:,} bytes",
        hint="the server's admin can raise MODELPORT_MAX_ARTIFACT_BYTES",
        field="artifact",
    )
