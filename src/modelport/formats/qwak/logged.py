"""What a Qwak model logs with ``qwak.log_param`` / ``log_metric`` / ``log_data`` while it is
created and built; the build step keeps it in the version's build record.

Logging is a side channel: a value that cannot be recorded is kept as its ``repr``, and nothing
here ever raises into the model's code.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Mapping
from typing import Any

_log = logging.getLogger("modelport.qwak")
_params: dict[str, Any] = {}
_metrics: dict[str, Any] = {}
_data: list[dict[str, Any]] = []


def log_param(params: Mapping[str, Any] | None = None, **more: Any) -> None:
    """Record hyper-parameters (``qwak.log_param({"gamma": "scale"})``)."""
    _record(_params, params, more)


def log_metric(metrics: Mapping[str, Any] | None = None, **more: Any) -> None:
    """Record metrics (``qwak.log_metric({"accuracy": 0.97})``)."""
    _record(_metrics, metrics, more)


def log_data(dataframe: Any = None, tag: Any = None, **_: Any) -> None:
    """Record that a data set was used: its tag, shape and column names (not its rows)."""
    try:
        entry: dict[str, Any] = {"tag": None if tag is None else str(tag)}
        shape = getattr(dataframe, "shape", None)
        if shape is not None:
            entry["rows"] = int(shape[0])
        columns = getattr(dataframe, "columns", None)
        if columns is not None:
            entry["columns"] = [str(c) for c in columns]
        _data.append(entry)
    except Exception as exc:
        _log.warning("qwak.log_data could not record %r: %s", tag, exc)


def logged() -> dict[str, Any]:
    """Everything recorded so far (empty parts left out)."""
    parts = {"params": dict(_params), "metrics": dict(_metrics), "data": list(_data)}
    return {key: value for key, value in parts.items() if value}


def _record(into: dict[str, Any], values: Any, more: Mapping[str, Any]) -> None:
    try:
        items = [*dict(values or {}).items(), *more.items()]
    except Exception as exc:
        _log.warning("qwak logging expects a dict, got %s: %s", type(values).__name__, exc)
        return
    for key, value in items:
        into[str(key)] = _json_safe(value)


def _json_safe(value: Any) -> Any:
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        with contextlib.suppress(Exception):
            value = item()
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
    return value
