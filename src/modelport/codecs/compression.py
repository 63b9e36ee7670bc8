"""Compressed request bodies (``Content-Encoding: gzip`` or ``deflate``), inflated within the
server's body limit (``--max-body-size`` bounds the inflated body as it bounds a plain one)."""

from __future__ import annotations

import zlib

from modelport.codecs.limits import DEFAULT_MAX_BODY
from modelport.errors import MalformedInput, PayloadTooLarge, UnsupportedMediaType

_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


def inflate(body: bytes, encoding: str | None, *, limit: int = DEFAULT_MAX_BODY) -> bytes:
    """The body, decompressed when tritonclient sent it gzip- or deflate-compressed; 413 when
    it inflates to over ``limit`` bytes (never holding more than that)."""
    if encoding is None or encoding == "identity":
        return body
    if encoding not in _WBITS:
        raise UnsupportedMediaType(
            f"cannot read a body with Content-Encoding {encoding}",
            hint="send it uncompressed, or as gzip or deflate",
            field="Content-Encoding",
        )
    inflater = zlib.decompressobj(_WBITS[encoding])
    try:
        inflated = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise MalformedInput(
            f"the {encoding} body is corrupt: {exc}", field="Content-Encoding"
        ) from None
    if len(inflated) > limit or inflater.unconsumed_tail:
        raise PayloadTooLarge(
            f"the request body inflates to over the limit of {limit:,} bytes",
            hint="send fewer rows per request, or start the server with a larger --max-body-size "
            "(an inflated body may also be at most 1/8 of --max-decoded-size)",
            field="Content-Encoding",
        )
    return inflated
