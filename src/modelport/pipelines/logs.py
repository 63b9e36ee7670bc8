"""Inference logs: every request through a logging pipeline, one Parquet file each.

Files live under ``<home>/pipeline-logs/<workspace>/<pipeline>/``, named after the time of the
inference (so a ``--since`` read opens only the files it needs), and are written under a
temporary name and renamed, so a reader never sees half a file. Each holds the result frame
plus the ``pipeline_version`` that answered.
"""

from __future__ import annotations

import os
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from modelport.errors import InvalidInput
from modelport.formats.wallaroo.frames import TIME
from modelport.registry.entities import DEFAULT_WORKSPACE
from modelport.settings import Settings

_STAMP = "%Y%m%dT%H%M%S%f"
_RELATIVE = re.compile(r"(\d+)\s*([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class InferenceLog:
    """The log folder of one pipeline."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def of(
        cls, pipeline: str, *, settings: Settings, workspace: str = DEFAULT_WORKSPACE
    ) -> InferenceLog:
        return cls(settings.home / "pipeline-logs" / workspace / pipeline)

    def write(self, frame: pa.Table, *, when: datetime, version: int) -> Path:
        """Store one inference's result frame; returns the file written."""
        self.folder.mkdir(parents=True, exist_ok=True)
        versions = pa.array([version] * frame.num_rows, type=pa.int32())
        table = frame.append_column("pipeline_version", versions)
        name = f"{when.astimezone(UTC).strftime(_STAMP)}-{uuid.uuid4().hex[:12]}.parquet"
        path = self.folder / name
        partial = self.folder / f".{name}.partial"
        pq.write_table(table, partial)
        os.replace(partial, path)
        return path

    def read(self, *, since: datetime | None = None, limit: int | None = None) -> pa.Table:
        """The logged rows at or after ``since`` (all when None), oldest first; the newest
        ``limit`` rows when a limit is given."""
        files = sorted(self.folder.glob("*.parquet")) if self.folder.is_dir() else []
        if since is not None:
            floor = since.astimezone(UTC).strftime(_STAMP)
            files = [f for f in files if f.name[: len(floor)] >= floor]
        tables = [pq.read_table(f) for f in files]
        if not tables:
            return pa.table({"time": pa.array([], type=TIME)})
        table = pa.concat_tables(tables, promote_options="permissive")
        if since is not None:
            bound = pa.scalar(since.astimezone(UTC), type=TIME)
            table = table.filter(pc.greater_equal(table.column("time"), bound))
        if limit is not None and table.num_rows > limit:
            table = table.slice(table.num_rows - limit)
        return table


def parse_since(text: str, *, now: datetime | None = None) -> datetime:
    """``--since``: a time ago (``30s``, ``10m``, ``2h``, ``1d``) or an ISO-8601 date or time
    (UTC when it names no zone)."""
    now = now or datetime.now(UTC)
    relative = _RELATIVE.fullmatch(text.strip())
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)
        return now - timedelta(**{_UNITS[unit]: amount})
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"--since {text!r} is neither a time ago nor a date",
            hint="give e.g. 10m, 2h, 1d, 2026-12-01 or 2026-12-01T08:30:00",
            field="since",
        ) from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when
