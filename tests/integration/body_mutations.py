"""A mutation fuzzer for binary request bodies: valid bodies in (Arrow IPC stream and file, Parquet,
Open Inference V2 binary-extension bodies, msgpack), broken variants of them out.

Each variant comes from one or a few mutations of a valid body: bit flips, inserted or deleted
bytes, truncation, splicing two valid bodies of one kind, and extreme values written over what a
decoder reads as a length or a count: any aligned 1, 2, 4 or 8 bytes, the frame lengths each
format declares (an IPC message's length, a file's footer length, the JSON header length of a V2
body, in the body and in its ``Inference-Header-Content-Length`` header), and the numbers in a V2
JSON header (shapes, ``binary_data_size``). A :class:`Mutator` with a seed gives the same variants
every time, so a failure is reproduced from the seed and the variant's index.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

V2_HEADER_LENGTH = "inference-header-content-length"

EXTREME_INTEGERS = (
    0,
    1,
    -1,
    2**7 - 1,
    2**7,
    2**8 - 1,
    2**15 - 1,
    2**15,
    2**16 - 1,
    2**31 - 1,
    2**31,
    2**32 - 1,
    2**32,
    2**53 + 1,
    2**63 - 1,
    2**63,
    2**64 - 1,
)
"""Values a length, a count or an offset is most often mishandled at."""
EXTREME_TEXT = (
    b"0",
    b"-1",
    b"1e308",
    b"-9223372036854775808",
    b"9223372036854775807",
    b"18446744073709551616",
    b"4294967296",
    b"99999999999999999999999999999",
    b"null",
    b'"x"',
    b"[]",
    b"1.5",
)
"""Values written over a number in a JSON header."""
TOKENS = (
    b"\xff\xff\xff\xff",
    b"\xff\xff\xff\x7f",
    b"\x00\x00\x00\x00",
    b"\x00\x00\x00\x80",
    b"ARROW1",
    b"PAR1",
    b"\xdd\xff\xff\xff\xff",  # msgpack: an array of 2**32 - 1 items
    b"\xdf\xff\xff\xff\xff",  # msgpack: a map of 2**32 - 1 pairs
    b"\xc6\xff\xff\xff\xff",  # msgpack: a bin of 2**32 - 1 bytes
    b"\xdb\xff\xff\xff\xff",  # msgpack: a str of 2**32 - 1 bytes
    b"\xc7\xff\x01",  # msgpack: an ext of 255 bytes, type 1
    b"\xd7\xff\xff\xff\xff\xff\xff\xff\xff\xff",  # msgpack: a timestamp far out of range
)
"""Byte strings with meaning to one of the decoders, inserted or written over a body."""


@dataclass(frozen=True)
class Body:
    """A request body, where it goes and the headers that go with it."""

    kind: str
    """Which seed family it comes from (``arrow-stream``, ``parquet``, ``v2-binary``...)."""
    path: str
    """The route it is sent to (``/v1/models/iris/predict``)."""
    content: bytes
    headers: dict[str, str] = field(default_factory=dict)
    frames: tuple[int, ...] = ()
    """Offsets of 4-byte little-endian lengths the format declares (mutated with priority)."""


@dataclass(frozen=True)
class Variant:
    body: Body
    mutations: tuple[str, ...]
    """What was done to the valid body, in order (for the failure message)."""


Mutation = Callable[[random.Random, Body, Sequence[Body]], tuple[str, Body]]


def _with(body: Body, content: bytes) -> Body:
    return replace(body, content=content)


def _position(rng: random.Random, body: Body, *, end: bool = False) -> int:
    return rng.randint(0, len(body.content) if end else max(len(body.content) - 1, 0))


def flip_bits(rng: random.Random, body: Body, seeds: Sequence[Body]) -> tuple[str, Body]:
    if not body.content:
        return "flip none", body
    data = bytearray(body.content)
    count = rng.choice((1, 1, 2, 4, 8))
    for _ in range(count):
        at = _position(rng, body)
        data[at] ^= 1 << rng.randrange(8)
    return f"flip {count} bits", _with(body, bytes(data))


def insert_bytes(rng: random.Random, body: Body, seeds: Sequence[Body]) -> tuple[str, Body]:
    at = _position(rng, body, end=True)
    if rng.random() < 0.5:
        inserted = rng.choice(TOKENS)
    else:
        inserted = rng.randbytes(rng.choice((1, 2, 4, 8, 64)))
    return f"insert {len(inserted)} at {at}", _with(
        body, body.content[:at] + inserted + body.content[at:]
    )


def delete_bytes(rng: random.Random, body: Body, seeds: Sequence[Body]) -> tuple[str, Body]:
    at = _position(rng, body)
    count = rng.choice((1, 2, 4, 8, 64, 512))
    return f"delete {count} at {at}", _with(body, body.content[:at] + body.content[at + count :])


def truncate(rng: random.Random, body: Body, seeds: Sequence[Body]) -> tuple[str, Body]:
    at = _position(rng, body)
    return f"truncate to {at}", _with(body, body.content[:at])


def splice(rng: random.Random, body: Body, seeds: Sequence[Body]) -> tuple[str, Body]:
    """The start of this body, the end of another of its kind."""
    others = [seed for seed in seeds if seed.kind == body.kind and seed.content != body.content]
    if not others:
        return truncate(rng, body, seeds)
    other = rng.choice(others)
    cut, rest = _position(rng, body), _position(rng, other)
    return f"splice {cut}+{rest}", _with(body, body.content[:cut] + other.content[rest:])


def overwrite_integer(rng: random.Random, body: Body, seeds: Sequence[Body]) -> tuple[str, Body]:
    """An extreme value over 4 declared length bytes, or over any aligned 1, 2, 4 or 8 bytes."""
    value = rng.choice(EXTREME_INTEGERS)
    if body.frames and rng.random() < 0.5:
        width, at = 4, rng.choice(body.frames)
    else:
        width = rng.choice((1, 2, 4, 8))
        at = _position(rng, body) // width * width
    packed = (value % 2 ** (8 * width)).to_bytes(width, "little")
    data = body.content[:at] + packed + body.content[at + width :]
    return f"write {value} over {width} bytes at {at}", _with(body, data)


def overwrite_token(rng: random.Random, body: Body, seeds: Sequence[Body]) -> tuple[str, Body]:
    token = rng.choice(TOKENS)
    at = _position(rng, body)
    data = body.content[:at] + token + body.content[at + len(token) :]
    return f"write {token!r} at {at}", _with(body, data)


_NUMBER = re.compile(rb"-?\d+(?:\.\d+)?")


def _header_length(body: Body) -> int | None:
    """A V2 body's JSON header length, when its header still says one within the body."""
    value = body.headers.get(V2_HEADER_LENGTH, "")
    if value.isdigit() and int(value) <= len(body.content):
        return int(value)
    return None


def overwrite_header_length(
    rng: random.Random, body: Body, seeds: Sequence[Body]
) -> tuple[str, Body]:
    """A V2 body's ``Inference-Header-Content-Length``: extreme, negative, not a number, or
    off by one from the true length."""
    true = _header_length(body)
    if true is None:
        return overwrite_integer(rng, body, seeds)
    value = rng.choice(
        (*(str(v) for v in EXTREME_INTEGERS), str(true - 1), str(true + 1), "-5", "x", "", "1e3")
    )
    return f"header length {value!r}", replace(
        body, headers={**body.headers, V2_HEADER_LENGTH: value}
    )


def overwrite_json_number(
    rng: random.Random, body: Body, seeds: Sequence[Body]
) -> tuple[str, Body]:
    """A number in a V2 body's JSON header (a shape, a ``binary_data_size``) made extreme; the
    header length follows, so the header still parses."""
    length = _header_length(body)
    if length is None:
        return overwrite_integer(rng, body, seeds)
    header, rest = body.content[:length], body.content[length:]
    numbers = list(_NUMBER.finditer(header))
    if not numbers:
        return overwrite_header_length(rng, body, seeds)
    number = rng.choice(numbers)
    value = rng.choice(EXTREME_TEXT)
    header = header[: number.start()] + value + header[number.end() :]
    headers = {**body.headers, V2_HEADER_LENGTH: str(len(header))}
    return f"json number {number[0]!r} -> {value!r}", replace(
        body, content=header + rest, headers=headers
    )


MUTATIONS: tuple[Mutation, ...] = (
    flip_bits,
    insert_bytes,
    delete_bytes,
    truncate,
    splice,
    overwrite_integer,
    overwrite_integer,
    overwrite_token,
    overwrite_header_length,
    overwrite_json_number,
)
"""Drawn uniformly; integers over lengths twice as often, where decoders most often go wrong."""


class Mutator:
    """Variants of ``seeds``: the ``index``-th variant is the same for the same seed and
    seeds, whatever was asked before."""

    def __init__(self, seeds: Sequence[Body], seed: int) -> None:
        if not seeds:
            raise ValueError("a mutator needs at least one valid body")
        self.seeds = list(seeds)
        self.seed = seed

    def variant(self, index: int) -> Variant:
        rng = random.Random(f"{self.seed}:{index}")
        body = self.seeds[index % len(self.seeds)]
        done = []
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            name, body = rng.choice(MUTATIONS)(rng, body, self.seeds)
            done.append(name)
        return Variant(body, tuple(done))


def ipc_stream_frames(content: bytes) -> tuple[int, ...]:
    """Offsets of what may be IPC message lengths: the 4 bytes after each 0xFFFFFFFF
    continuation marker (a marker inside the data adds a harmless extra offset)."""
    return tuple(m.end() for m in re.finditer(rb"\xff\xff\xff\xff", content))


def file_frames(content: bytes, magic: bytes) -> tuple[int, ...]:
    """The footer length before a trailing magic (Arrow file ``ARROW1``, Parquet ``PAR1``)."""
    if len(content) >= len(magic) + 4 and content.endswith(magic):
        return (len(content) - len(magic) - 4,)
    return ()
