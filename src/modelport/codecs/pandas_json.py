"""JSON written by pandas' ``DataFrame.to_json``, in each of its orients, read as
``pandas.read_json(..., orient=...)`` reads it, into the two shapes modelport's JSON reader
takes: records (a list of row objects) or columns (an object of equal-length lists).

- ``columns`` (``to_json()``'s default, Wallaroo's ``.df.json`` files):
  ``{"col": {"0": v, "1": w}}``, each column an object from index label to value; rows follow
  the index labels in the order they first appear, a label a column lacks reads as null;
- ``index``: ``{"0": {"col": v}}``, one object per index label (told from ``columns`` by which
  level holds the model's input names);
- ``table``: ``{"schema": {"fields": [...], "primaryKey": ["index"]}, "data": [records]}``,
  the primary key being the index, not a column;
- ``records``, ``split`` and ``values`` are shapes the reader takes as they are.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

ORIENTS = ("columns", "index", "table")
"""The orients this module reads into records or columns."""


def normalized(value: Any, *, names: Collection[str] = ()) -> Any:
    """``value`` as records or columns when it is in one of pandas' ``columns``, ``index`` or
    ``table`` orients; unchanged otherwise. ``names``, the model's input names, tell an
    ``index`` object from a ``columns`` one (``columns``, pandas' default, when they cannot)."""
    if not isinstance(value, Mapping) or not value:
        return value
    if is_table(value):
        return table_records(value)
    if not all(isinstance(inner, Mapping) for inner in value.values()):
        return value
    if _names_are_inner(value, names):
        return list(value.values())
    return aligned_columns(value)


def is_table(value: Mapping[str, Any]) -> bool:
    """Whether ``value`` is pandas' ``table`` orient (a JSON Table Schema and its data)."""
    schema = value.get("schema")
    return (
        isinstance(schema, Mapping)
        and isinstance(schema.get("fields"), list)
        and isinstance(value.get("data"), list)
    )


def table_records(value: Mapping[str, Any]) -> list[Any]:
    """The rows of a ``table`` orient, without the index (its ``primaryKey`` fields)."""
    key = value["schema"].get("primaryKey") or []
    index = {str(name) for name in key} if isinstance(key, list) else {str(key)}
    return [
        {k: v for k, v in row.items() if k not in index} if isinstance(row, Mapping) else row
        for row in value["data"]
    ]


def aligned_columns(value: Mapping[str, Any]) -> dict[str, Any]:
    """Columns given as lists or as objects from index label to value (the ``columns``
    orient), as lists aligned on the index labels (in the order they first appear)."""
    labels: dict[str, None] = {}
    for column in value.values():
        if isinstance(column, Mapping):
            labels.update(dict.fromkeys(column))
    if not labels:
        return dict(value)
    return {
        name: [column.get(label) for label in labels] if isinstance(column, Mapping) else column
        for name, column in value.items()
    }


def _names_are_inner(value: Mapping[str, Mapping[str, Any]], names: Collection[str]) -> bool:
    """Whether the model's input names are the inner keys (``index``), not the outer ones."""
    wanted = set(names)
    if not wanted or wanted & set(value):
        return False
    inner = {key for row in value.values() for key in row}
    return bool(wanted & inner)
