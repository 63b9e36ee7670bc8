"""Arrow struct types (records) as modelport schemas hold them: their members in order, each
nullable (Arrow's default, and what ``pa.struct([("text", pa.string())])`` makes), and read
from their names, ``struct<text: string, timestamp: list<float32>>``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pyarrow as pa

from modelport.errors import ConfigError


def members(t: pa.DataType) -> list[pa.Field[Any]]:
    """The member fields of a struct type, in order."""
    struct = cast(Any, t)
    return [struct.field(index) for index in range(struct.num_fields)]


def struct_of(named: list[tuple[str, pa.DataType]]) -> pa.DataType:
    """The struct of these (name, type) members, each nullable; ConfigError for no member, an
    empty name or a name twice."""
    names = [name for name, _ in named]
    if not named:
        raise ConfigError("a struct type has no members", hint="Name at least one member.")
    if not all(names) or len(set(names)) != len(names):
        raise ConfigError(
            f"struct members {names} must have distinct non-empty names",
            hint="Write e.g. 'struct<text: string, score: float32>'.",
        )
    return pa.struct([pa.field(name, member) for name, member in named])


def struct_members(
    text: str, inner: str, type_of: Callable[[str], pa.DataType]
) -> list[tuple[str, pa.DataType]]:
    """The ``name: type`` members ``inner`` lists (the part of the type name ``text`` between
    ``struct<`` and ``>``), each type read by ``type_of``."""
    found = []
    for part in _top_level_parts(inner):
        name, colon, type_name = part.partition(":")
        if not colon:
            raise ConfigError(
                f"struct type {text!r} has a member {part.strip()!r} without a type",
                hint="Write each member as 'name: type', e.g. 'struct<text: string>'.",
            )
        found.append((name.strip(), type_of(type_name.strip())))
    return found


def _top_level_parts(text: str) -> list[str]:
    """``text`` split at the commas outside any ``<...>``."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        depth += {"<": 1, ">": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return [part for part in parts if part.strip()]
