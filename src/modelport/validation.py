"""Checking decoded input against the model's signature, once, before the model sees it.

Codecs decode a body (:mod:`modelport.decoded`); :meth:`InputValidator.validate` checks it and
makes the batch. The validator is compiled when the model loads: target schema, names,
strictness, and whether the inputs form a numeric matrix (all scalar numbers of one type). For
such models JSON rows are checked and turned into one numpy array directly, without building an
Arrow table or a DataFrame on the way; every other input goes through Arrow and a safe cast.

A validator made with ``typed=False`` (for models of a convention whose platform passes requests
on as they come: Qwak) checks names only: a declared input missing from the request is refused,
and every column, declared or not, reaches the model with the values and types it was sent with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from modelport.batch import Batch
from modelport.column_casts import cast_column
from modelport.decoded import Columns, Decoded, Rows, row_count
from modelport.errors import InvalidInput
from modelport.nested_values import check_values, nested_array
from modelport.schema import Signature, to_numpy_dtype
from modelport.schema_mappings import holds_struct
from modelport.tables import json_column, numpy_to_array, rows_to_table

_NUMERIC_KINDS = {"f": "fi", "i": "i", "u": "iu"}
"""For a target dtype kind, the numpy kinds a JSON value array may arrive as."""


class InputValidator:
    """Turns decoded input into exactly the batch the model declared, or says what is wrong."""

    def __init__(self, signature: Signature, *, typed: bool = True) -> None:
        self.typed = typed
        """False: names only (a missing declared input is refused), every column passed on."""
        self.free_form = signature.free_form or not signature.inputs
        self.strict = signature.strict
        self.schema = signature.input_schema
        self.names = tuple(f.name for f in signature.inputs)
        self._known = frozenset(self.names)
        self._nullable = {f.name: f.nullable for f in signature.inputs}
        self._nullable_schema = pa.schema([field.with_nullable(True) for field in self.schema])
        """The inputs as an Arrow writer declares them by default (every column nullable): a
        table of this schema or of ``schema`` needs no cast."""
        self.matrix_dtype = _matrix_dtype(signature)
        self._numpy_dtypes = {f.name: to_numpy_dtype(f) for f in signature.inputs}
        self._nested = {f.name: f.arrow_type for f in signature.inputs if holds_struct(f.type)}
        """The inputs holding records (structs), checked value by value to name a wrong path."""

    @property
    def decoding_schema(self) -> pa.Schema | None:
        """The schema a codec reading untyped text (CSV) types its columns by; None for a
        free-form model, whose columns keep the types the text suggests."""
        return None if self.free_form or not self.typed else self.schema

    def validate(self, decoded: Decoded) -> Batch:
        """The batch ``decoded`` makes for this model; InvalidInput naming the field otherwise
        (an empty batch too: the model is never called on no rows)."""
        if row_count(decoded) == 0:
            raise InvalidInput(
                "the request holds no rows",
                hint="send at least one row (a model is not called on an empty batch)",
            )
        if not self.typed:
            return self._as_sent(decoded)
        if isinstance(decoded, Rows):
            return self._rows(decoded.values, has_booleans=decoded.may_hold_booleans)
        if isinstance(decoded, Columns):
            return self._columns(decoded.values)
        return self._table(decoded)

    # --- JSON rows --------------------------------------------------------------------------

    def _rows(self, rows: Sequence[Any], *, has_booleans: bool) -> Batch:
        """Rows from JSON: a list of objects, or of lists positional to the inputs."""
        if self.free_form or self.matrix_dtype is None or not rows:
            if self._nested and not self.free_form:
                self._check_nested_rows(rows)
            return self._table(rows_to_table(rows, self.names))
        first = rows[0]
        if isinstance(first, Mapping):
            values = self._values_of_records(rows)
        elif isinstance(first, list):
            values = self._values_of_lists(rows)
        else:
            raise InvalidInput(
                "rows must be JSON objects or lists",
                hint="send one JSON object per row",
                field="[0]",
            )
        return Batch.from_matrix(self._matrix(values, has_booleans), self.names, self.schema)

    def _check_nested_rows(self, rows: Sequence[Any]) -> None:
        """Check the record-holding inputs of JSON rows before Arrow reads the rows, so a wrong
        member is named by its path rather than as a column of mixed types (a row of another
        shape is left for ``rows_to_table`` to refuse)."""
        for name, arrow_type in self._nested.items():
            position = self.names.index(name)
            values = [_row_value(row, name, position, len(self.names)) for row in rows]
            check_values(name, values, arrow_type)

    def _values_of_records(self, rows: Sequence[Any]) -> list[list[Any]]:
        names, known, width = self.names, self._known, len(self.names)
        values = []
        for index, row in enumerate(rows):
            if not isinstance(row, Mapping):
                raise InvalidInput("rows must all be JSON objects", field=f"[{index}]")
            if len(row) != width or not known.issuperset(row):
                self._check_keys(row.keys())
            values.append([row[name] for name in names])
        return values

    def _values_of_lists(self, rows: Sequence[Any]) -> list[list[Any]]:
        width = len(self.names)
        for index, row in enumerate(rows):
            if not isinstance(row, list) or len(row) != width:
                got = len(row) if isinstance(row, list) else type(row).__name__
                raise InvalidInput(
                    f"row {index} has {got} values, the model takes {width} "
                    f"({', '.join(self.names)})",
                    field=f"[{index}]",
                )
        return list(rows)

    def _matrix(self, values: list[list[Any]], has_booleans: bool) -> np.ndarray:
        assert self.matrix_dtype is not None
        try:
            found = np.array(values)
        except ValueError as exc:  # ragged nested values
            self._explain_bad_values(values)
            raise InvalidInput(f"inputs must be single numbers: {exc}") from exc
        bad_kind = found.dtype.kind not in _NUMERIC_KINDS[self.matrix_dtype.kind]
        if bad_kind or found.ndim != 2 or (has_booleans and _holds_booleans(values)):
            self._explain_bad_values(values)
            return np.array(values, dtype=self.matrix_dtype)  # only nulls, in nullable floats
        if found.dtype == self.matrix_dtype:
            return found
        if self.matrix_dtype.kind == "f":
            return _narrow_floats(found, self.matrix_dtype, "a value")
        if self.matrix_dtype.kind in "iu" and not np.can_cast(found, self.matrix_dtype, "safe"):
            info = np.iinfo(self.matrix_dtype)
            if found.min(initial=0) < info.min or found.max(initial=0) > info.max:
                raise InvalidInput(f"a value is outside the range of {self.matrix_dtype}")
        return found.astype(self.matrix_dtype)

    def _explain_bad_values(self, values: list[list[Any]]) -> None:
        """Name the first value that is not a number of the right kind; return when the only
        non-numbers are nulls in nullable float inputs (they are read as NaN)."""
        want_float = self.matrix_dtype is not None and self.matrix_dtype.kind == "f"
        for row_index, row in enumerate(values):
            for name, value in zip(self.names, row, strict=True):
                if value is None:
                    if self._nullable[name] and want_float:
                        continue
                    raise InvalidInput(
                        f"input {name!r} is null in row {row_index}",
                        hint="send a value for every row",
                        field=name,
                    )
                ok = isinstance(value, int | float) and not isinstance(value, bool)
                if want_float is False and isinstance(value, float):
                    ok = value.is_integer()
                if not ok:
                    raise InvalidInput(
                        f"input {name!r} should be {self.schema.field(name).type}, "
                        f"got {type(value).__name__} {value!r} in row {row_index}",
                        field=name,
                    )
        if not want_float:
            raise InvalidInput("inputs must be single numbers")

    def _check_keys(self, keys: Any) -> None:
        present = set(keys)
        self._check_missing(present)
        unknown = sorted(name for name in present if name not in self._known)
        if unknown and self.strict:
            raise InvalidInput(
                f"unknown input {'column' if len(unknown) == 1 else 'columns'}: "
                + ", ".join(unknown),
                hint=f"the model takes only: {', '.join(self.names)}",
                field=unknown[0],
            )

    def _check_missing(self, present: set[str]) -> None:
        missing = [name for name in self.names if name not in present]
        if missing:
            raise InvalidInput(
                f"missing input {'column' if len(missing) == 1 else 'columns'}: "
                + ", ".join(missing),
                hint=f"the model takes: {', '.join(self.names)}",
                field=missing[0],
            )

    # --- names only -------------------------------------------------------------------------

    def _as_sent(self, decoded: Decoded) -> Batch:
        """Every column as it came (``typed=False``), once the declared names are all there."""
        if isinstance(decoded, Rows):
            columns = self._row_columns(decoded.values)
        elif isinstance(decoded, Columns):
            columns = dict(decoded.values)
            lengths = {name: len(values) for name, values in columns.items()}
            if len(set(lengths.values())) > 1:
                detail = ", ".join(f"{name}: {n}" for name, n in lengths.items())
                raise InvalidInput(f"inputs have unequal row counts ({detail})")
        else:
            self._check_missing(set(decoded.column_names))
            return Batch.from_table(decoded)
        self._check_missing(set(columns))
        for name, values in columns.items():
            if values.dtype == object or values.ndim > 1:  # made Arrow when the batch is viewed
                _check_converts(name, values)
        return Batch.from_columns(columns)

    def _row_columns(self, rows: Sequence[Any]) -> dict[str, np.ndarray]:
        """JSON rows as columns of the values sent: objects by their keys (all of them, in the
        order first seen), lists positional to the declared inputs."""
        if not rows:
            return {name: np.empty(0, dtype=object) for name in self.names}
        if all(isinstance(row, Mapping) for row in rows):
            keys = dict.fromkeys(key for row in rows for key in row)
            return {str(k): json_column([row.get(k) for row in rows]) for k in keys}
        if all(isinstance(row, list) for row in rows):
            names = self.names or tuple(str(i) for i in range(len(rows[0])))
            for index, row in enumerate(rows):
                if len(row) != len(names):
                    wanted = (
                        f"the model takes {len(names)} ({', '.join(names)})"
                        if self.names
                        else f"row 0 has {len(names)}"
                    )
                    raise InvalidInput(
                        f"row {index} has {len(row)} values, {wanted}",
                        hint="send objects naming each value",
                        field=f"[{index}]",
                    )
            return {n: json_column([row[i] for row in rows]) for i, n in enumerate(names)}
        raise InvalidInput(
            "rows must all be objects or all be lists", hint="send one object per row"
        )

    # --- columns and tables -----------------------------------------------------------------

    def _columns(self, columns: Mapping[str, np.ndarray]) -> Batch:
        """Named numpy columns (V2 tensors): checked and cast through Arrow."""
        if not self.free_form:
            self._check_keys(columns.keys())
        lengths = {name: len(values) for name, values in columns.items()}
        if len(set(lengths.values())) > 1:
            detail = ", ".join(f"{name}: {n}" for name, n in lengths.items())
            raise InvalidInput(f"inputs have unequal row counts ({detail})")
        if self.free_form:
            for name, values in columns.items():
                if values.dtype == object:  # JSON values of several kinds: made Arrow later
                    _check_converts(name, values)
            return Batch.from_columns(dict(columns))
        checked = {}
        for field in self.schema:
            values = columns[field.name]
            expected = self._numpy_dtypes[field.name]
            if values.dtype != expected and values.ndim == 1 and values.dtype.kind in "biuf":
                values = self._cast_numpy(field, values, expected)
            checked[field.name] = values
        if all(v.ndim == 1 and v.dtype.kind in "biuf" for v in checked.values()):
            return Batch.from_columns(checked, self.schema)
        table = pa.table(
            {
                name: nested_array(name, v.tolist(), self._nested[name])
                if name in self._nested
                else numpy_to_array(v)
                for name, v in checked.items()
            }
        )
        return self._table(table)

    def _cast_numpy(
        self, field: pa.Field[Any], values: np.ndarray, expected: np.dtype
    ) -> np.ndarray:
        if values.dtype.kind == "b" and expected.kind != "b":
            raise InvalidInput(
                f"input {field.name!r} should be {field.type}, got booleans", field=field.name
            )
        if np.can_cast(values.dtype, expected, "same_kind") or values.dtype.kind in "iu":
            if expected.kind == "f":
                return _narrow_floats(values, expected, f"input {field.name!r}", field.name)
            return values.astype(expected)
        raise InvalidInput(
            f"input {field.name!r} should be {field.type}, got {values.dtype}", field=field.name
        )

    def _table(self, table: pa.Table) -> Batch:
        """An Arrow table (from Arrow IPC, Parquet, CSV or JSON): checked and cast safely."""
        if self.free_form:
            return Batch.from_table(table)
        if table.schema.equals(self._nullable_schema) or table.schema.equals(self.schema):
            columns = table.columns  # the inputs, in order, of their types: nothing to cast
            for field, column in zip(self.schema, columns, strict=True):
                self._check_nulls(field, column)
            return Batch.from_table(pa.Table.from_arrays(columns, schema=self.schema))
        self._check_keys(table.column_names)
        columns = []
        for field in self.schema:
            column = table.column(field.name)
            self._check_nulls(field, column)
            if field.name in self._nested and column.type != field.type:
                columns.append(
                    pa.chunked_array([nested_array(field.name, column.to_pylist(), field.type)])
                )
            else:
                columns.append(cast_column(column, field))
        return Batch.from_table(pa.Table.from_arrays(columns, schema=self.schema))

    def _check_nulls(self, field: pa.Field[Any], column: pa.ChunkedArray[Any]) -> None:
        if column.null_count and not field.nullable:
            import pyarrow.compute as pc

            first = pc.index(pc.is_null(column), True).as_py()
            raise InvalidInput(
                f"input {field.name!r} is null in row {first}",
                hint="send a value for every row",
                field=field.name,
            )


def _row_value(row: Any, name: str, position: int, width: int) -> Any:
    """The value of input ``name`` in a JSON row (an object, or a list of ``width`` values)."""
    if isinstance(row, Mapping):
        return row.get(name)
    if isinstance(row, list) and len(row) == width:
        return row[position]
    return None


def _narrow_floats(
    values: np.ndarray, dtype: np.dtype, what: str, field: str | None = None
) -> np.ndarray:
    """``values`` as floats of ``dtype``; a finite value too large for it (which would turn into
    an infinity, float16's largest being 65504) is refused."""
    with np.errstate(over="ignore", invalid="ignore"):
        narrowed = values.astype(dtype)
    if narrowed.dtype.kind == "f" and not np.all(np.isfinite(narrowed) | ~np.isfinite(values)):
        raise InvalidInput(
            f"{what} is outside the range of {dtype}",
            hint=f"send values within ±{float(np.finfo(dtype).max):g}",
            field=field,
        )
    return narrowed


def _holds_booleans(values: list[list[Any]]) -> bool:
    return any(value.__class__ is bool for row in values for value in row)


def _matrix_dtype(signature: Signature) -> np.dtype | None:
    """The one numeric dtype of every input, when the inputs form a matrix."""
    if signature.free_form or not signature.inputs:
        return None
    dtypes = set()
    for field in signature.inputs:
        if field.shape or not (
            pa.types.is_integer(field.arrow_type) or pa.types.is_floating(field.arrow_type)
        ):
            return None
        if field.nullable and not pa.types.is_floating(field.arrow_type):
            return None
        dtypes.add(np.dtype(field.arrow_type.to_pandas_dtype()))
    return dtypes.pop() if len(dtypes) == 1 else None


def _check_converts(name: str, values: np.ndarray) -> None:
    """InvalidInput naming the column when its values make no one Arrow array (``["x", []]``),
    here rather than as a model failure when a view of the batch is first made."""
    try:
        numpy_to_array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise InvalidInput(
            f"values of mixed or unsupported types in column {name!r}: {exc}",
            hint="give all the values of a column one type",
            field=name,
        ) from exc
