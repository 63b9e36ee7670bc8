"""What a client gets of a result frame (``frames``), as Wallaroo's engine answers it.

The query string chooses, as the engine's does: ``dataset[]`` the groups or columns to keep
(``*``, the default, is every group: ``time``, ``in``, ``out``, ``anomaly``, ``metadata``; a
dotted name such as ``metadata.elapsed`` keeps one column), ``dataset.exclude[]`` what to leave
out (the more specific of an include and an exclude wins, so ``dataset[]=*&dataset[]=metadata
.elapsed&dataset.exclude[]=metadata`` keeps that one metadata column; on a tie the exclude
wins), and ``dataset.separator`` (the SDK's ``"."``) or ``dataset.flatten=true`` flat columns
(``in.tensor``) instead of nested records (``{"in": {"tensor": ...}}``).

JSON answers are nested records unless flat columns are asked for; Arrow answers are always
flat. ``time`` is sent as epoch milliseconds either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import pyarrow as pa
from starlette.datastructures import QueryParams

from modelport.errors import InvalidInput
from modelport.formats.wallaroo.frames import GROUPS, epoch_millis

FLAT = "."


@dataclass(frozen=True)
class Datasets:
    """The parts of the frame a request asked for, and in which shape."""

    include: tuple[str, ...] = ("*",)
    exclude: tuple[str, ...] = ()
    separator: str | None = None
    """Flat columns joined by this; None: nested records."""

    @classmethod
    def from_query(cls, query: QueryParams, *, default: Datasets) -> Datasets:
        """The choice a query string makes, ``default``'s where it says nothing."""
        include = _names(query, "dataset[]", "dataset") or default.include
        exclude = _names(query, "dataset.exclude[]", "dataset.exclude")
        if not exclude and not any(k.startswith("dataset") for k in query):
            exclude = list(default.exclude)
        separator = query.get("dataset.separator") or None
        flatten = query.get("dataset.flatten")
        if flatten is not None:
            if flatten.lower() not in ("true", "false", "1", "0"):
                raise InvalidInput(
                    f"dataset.flatten is {flatten!r}, not a boolean",
                    hint="send dataset.flatten=true or dataset.flatten=false",
                    field="dataset.flatten",
                )
            if flatten.lower() in ("true", "1"):
                separator = separator or FLAT
            elif "dataset.separator" not in query:
                separator = None
        elif separator is None and "dataset.separator" not in query:
            separator = default.separator
        return cls(tuple(include), tuple(exclude), separator)

    def select(self, frame: pa.Table) -> pa.Table:
        """The columns of ``frame`` this choice keeps."""
        return frame.select([n for n in frame.column_names if self._keeps(n)])

    def _keeps(self, column: str) -> bool:
        included = _depth(self.include, column)
        if included is None:
            return False
        excluded = _depth(self.exclude, column)
        return excluded is None or included > excluded


SDK_DEFAULT = Datasets(("*",), ("metadata",), FLAT)
"""What ``pipeline.infer()`` of Wallaroo's SDK asks for: flat columns without metadata."""
ENGINE_DEFAULT = Datasets()
"""What a request that says nothing gets from Wallaroo's engine: every group, nested."""


def encode_json(frame: pa.Table, datasets: Datasets) -> bytes:
    """The chosen part of ``frame`` as JSON records, flat or nested."""
    table = epoch_millis(datasets.select(frame))
    records = table.to_pylist()
    if datasets.separator is not None:
        if datasets.separator != FLAT:
            records = [{_joined(k, datasets.separator): v for k, v in r.items()} for r in records]
        return orjson.dumps(records, option=orjson.OPT_SERIALIZE_NUMPY)
    return orjson.dumps([_nested(r) for r in records], option=orjson.OPT_SERIALIZE_NUMPY)


def arrow_frame(frame: pa.Table, datasets: Datasets) -> pa.Table:
    """The chosen part of ``frame`` as the flat Arrow table Wallaroo's engine sends."""
    table = epoch_millis(datasets.select(frame))
    separator = datasets.separator or FLAT
    if separator != FLAT:
        table = table.rename_columns([_joined(n, separator) for n in table.column_names])
    return table


def _names(query: QueryParams, *keys: str) -> list[str]:
    found = [value for key in keys for item in query.getlist(key) for value in item.split(",")]
    return [name.strip() for name in found if name.strip()]


def _depth(selectors: Sequence[str], column: str) -> int | None:
    """How specific the most specific selector matching ``column`` is (``*``: 0, a group: 1,
    a column: 2); None when none matches."""
    group = column.partition(".")[0]
    best: int | None = None
    for selector in selectors:
        if selector == "*":
            depth = 0
        elif selector == group:
            depth = 1
        elif selector == column:
            depth = 2
        else:
            continue
        best = depth if best is None else max(best, depth)
    return best


def _joined(column: str, separator: str) -> str:
    group, dot, name = column.partition(".")
    return f"{group}{separator}{name}" if dot else column


def _nested(record: dict[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for column, value in record.items():
        group, dot, name = column.partition(".")
        if not dot:
            nested[column] = value
        else:
            nested.setdefault(group, {})[name] = value
    return {group: nested[group] for group in (*GROUPS, *nested) if group in nested}
