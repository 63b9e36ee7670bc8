"""What a codec makes of a request body, before the validator checks it against the signature.

Codecs return one of these and never validate; :class:`~modelport.validation.InputValidator`
turns it into the :class:`~modelport.batch.Batch` the model takes, or says what is wrong. Each
keeps the form the codec could make most cheaply: JSON rows stay Python lists (a numeric model's
validator turns them straight into one numpy matrix), V2 tensors and JSON columns become numpy
columns, and Arrow IPC, Parquet and CSV bodies arrive as Arrow tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa


@dataclass(frozen=True, slots=True)
class Rows:
    """JSON rows: objects, or lists positional to the model's inputs."""

    values: Sequence[Any]
    may_hold_booleans: bool = True
    """False when the JSON text held no ``true``/``false`` (a byte search on the body), which
    spares a numeric model's validator a scan for booleans posing as numbers."""


@dataclass(frozen=True, slots=True)
class Columns:
    """Named columns of equal length, each a numpy array (its first dimension the rows)."""

    values: Mapping[str, np.ndarray]


Decoded = Rows | Columns | pa.Table
"""Any decoded body: rows, columns, or an Arrow table."""


def row_count(decoded: Decoded) -> int:
    """How many rows a decoded body holds (columns of unequal length: the longest)."""
    if isinstance(decoded, Rows):
        return len(decoded.values)
    if isinstance(decoded, Columns):
        return max((len(values) for values in decoded.values.values()), default=0)
    return int(decoded.num_rows)
