"""A validated batch of input rows, viewable as whatever the model asked for.

Codecs decode a request straight into the cheapest form they can (a numpy matrix from JSON rows,
an Arrow table from Arrow IPC, numpy columns from V2 tensors); the model's adapter then asks for
its own view (DataFrame, Arrow table, dict of numpy columns, 2-D matrix, records). Each view is
made on first use and kept, so nothing is converted twice and nothing is converted for nothing.
"""

from __future__ import annotations

import functools
from typing import Any, Literal

import numpy as np
import pyarrow as pa

from modelport.errors import ModelFailed
from modelport.tables import NUMBER_TYPES, column_to_numpy, numpy_to_array

BatchKind = Literal["pandas", "arrow", "numpy", "matrix", "records"]
"""How a model wants its batch: DataFrame, Arrow table, dict of numpy columns, one 2-D numpy
array (columns in signature order), or a list of row dicts."""


class Batch:
    """Input rows that passed validation against the model's signature."""

    __slots__ = ("_columns", "_frame", "_matrix", "_table", "names", "num_rows", "schema")

    def __init__(
        self,
        *,
        names: tuple[str, ...],
        num_rows: int,
        schema: pa.Schema | None = None,
        table: pa.Table | None = None,
        matrix: np.ndarray | None = None,
        columns: dict[str, np.ndarray] | None = None,
    ) -> None:
        self.names = names
        self.num_rows = num_rows
        self.schema = schema
        self._table = table
        self._matrix = matrix
        self._columns = columns
        self._frame: Any = None

    @classmethod
    def from_table(cls, table: pa.Table) -> Batch:
        return cls(
            names=tuple(table.column_names),
            num_rows=table.num_rows,
            schema=table.schema,
            table=table,
        )

    @classmethod
    def from_matrix(cls, matrix: np.ndarray, names: tuple[str, ...], schema: pa.Schema) -> Batch:
        return cls(names=names, num_rows=matrix.shape[0], schema=schema, matrix=matrix)

    @classmethod
    def from_columns(cls, columns: dict[str, np.ndarray], schema: pa.Schema | None = None) -> Batch:
        names = tuple(columns)
        rows = len(next(iter(columns.values()))) if columns else 0
        return cls(names=names, num_rows=rows, schema=schema, columns=columns)

    def unviewed(self) -> Batch:
        """The same rows, as they came, without the views made of them since."""
        return Batch(
            names=self.names,
            num_rows=self.num_rows,
            schema=self.schema,
            table=self._table if self._matrix is None and self._columns is None else None,
            matrix=self._matrix,
            columns=self._columns if self._matrix is None else None,
        )

    def held(self) -> str:
        """How the batch was made: ``matrix``, ``columns`` or ``table`` (what merging it with
        others concatenates)."""
        if self._matrix is not None:
            return "matrix"
        if self._columns is not None:
            return "columns"
        return "table"

    def view(self, kind: BatchKind) -> Any:
        """The batch as ``kind``."""
        if kind == "pandas":
            return self.frame()
        if kind == "arrow":
            return self.table()
        if kind == "numpy":
            return self.columns()
        if kind == "matrix":
            return self.matrix()
        return self.records()

    def table(self) -> pa.Table:
        if self._table is None:
            arrays = [numpy_to_array(values) for values in self.columns().values()]
            if self.schema is not None:
                self._table = pa.Table.from_arrays(arrays, schema=self.schema)
            else:
                self._table = pa.Table.from_arrays(arrays, names=list(self.names))
        return self._table

    def columns(self) -> dict[str, np.ndarray]:
        if self._columns is None:
            if self._matrix is not None:
                matrix = self._matrix
                self._columns = {name: matrix[:, i] for i, name in enumerate(self.names)}
            else:
                table = self.table()
                self._columns = {n: column_to_numpy(table.column(n)) for n in self.names}
        return self._columns

    def matrix(self) -> np.ndarray:
        if self._matrix is None and self._columns is None and self._table is not None:
            self._matrix = _numeric_matrix(self._table)
        if self._matrix is None:
            columns = list(self.columns().values())
            if any(c.ndim != 1 for c in columns):
                raise TypeError("a matrix view needs scalar inputs; this batch holds tensors")
            self._matrix = np.column_stack(columns) if columns else np.empty((self.num_rows, 0))
        return self._matrix

    def frame(self) -> Any:
        if self._frame is None:
            try:
                import pandas as pd
            except ImportError as exc:
                raise ModelFailed(
                    "the model asks for a pandas DataFrame, and its environment has no pandas",
                    hint="name pandas in the project's requirements (or annotate the batch "
                    "parameter of predict as np.ndarray, pa.Table, dict or list) and build again",
                ) from exc

            if self._matrix is not None:
                columns = column_labels(self.names)
                self._frame = pd.DataFrame(self._matrix, columns=columns, copy=False)
            elif self._columns is not None and all(c.ndim == 1 for c in self._columns.values()):
                self._frame = _frame_of(self._columns)
            else:
                self._frame = self.table().to_pandas()
        return self._frame

    def records(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.table().to_pylist()
        return rows


def _numeric_matrix(table: pa.Table) -> np.ndarray | None:
    """The 2-D matrix of a table whose columns are all numbers (integers or floats), straight
    from its columns: a quarter of what going through ``columns()`` costs (each column's checks
    for tensors, a dict). None for other tables."""
    kinds = table.schema.types
    if not kinds or not all(kind.id in NUMBER_TYPES for kind in kinds):
        return None
    return np.column_stack([column.to_numpy() for column in table.columns])


def _frame_of(columns: dict[str, np.ndarray]) -> Any:
    """A DataFrame of 1-D ``columns``. Columns of one numeric dtype become one 2-D block with
    labels kept from request to request (``column_labels``): about a sixth of what pandas 3
    takes to build a frame from the dict, most of which is a new Index of the dict's keys;
    the frame's dtypes and values are the same."""
    import pandas as pd

    arrays = list(columns.values())
    if (
        arrays
        and arrays[0].dtype.kind in "biuf"
        and all(a.dtype == arrays[0].dtype for a in arrays)
    ):
        labels = column_labels(tuple(columns))
        return pd.DataFrame(np.column_stack(arrays), columns=labels, copy=False)
    return pd.DataFrame(columns, copy=False)


COLUMN_LABELS_KEPT = 64
"""Sets of column names whose DataFrame labels are kept (a model taking what is sent sees
whatever names clients send: the bound keeps that from growing)."""


@functools.lru_cache(maxsize=COLUMN_LABELS_KEPT)
def column_labels(names: tuple[str, ...]) -> Any:
    """The DataFrame column labels (a pandas Index) of ``names``, made once per set of names.

    pandas 3 holds text labels in an Arrow-backed string array, and building one is a large share
    of what a one-row DataFrame costs; an Index kept from request to request also keeps the
    lookup table pandas builds on it, so the model's ``df[names]`` is cheap from the second
    request on. Index objects are immutable: frames sharing one never see each other's changes
    (renaming or adding a column gives that frame a new Index)."""
    import pandas as pd

    return pd.Index(list(names))
