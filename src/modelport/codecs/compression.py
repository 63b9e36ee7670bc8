"""Compressed request bodies (``Content-Encoding: gzip`` or ``deflate``), inflated within a
bound."""

from __future__ import annotations

import zlib

from modelport.errors import MalformedInput, PayloadTooLarge, UnsupportedMediaType

MAX_INFLATED = 1024**3
"""The largest body a compressed request may inflate to."""
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


def inflate(body: bytes, encoding: str | None) -> bytes:
    """The body, decompressed when tritonclient sent it gzip- or deflate-compressed."""
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
        inflated = inflater.decompress(body, MAX_INFLATED)
    except zlib.error as exc:
        raise MalformedInput(
            f"the {encoding} body is corrupt: {exc}", field="Content-Encoding"
        ) from None
    if inflater.unconsumed_tail:
        raise PayloadTooLarge(f"the request body inflates to over {MAX_INFLATED:,} bytes")
    return inflated
