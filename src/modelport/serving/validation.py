"""Checking a decoded batch against the model's signature, once, before the model sees it.

The validator is compiled when the model loads (target schema, names, strictness), so a request
pays only for the checks and the cast.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from modelport.errors import InvalidInput
from modelport.schema import Signature


class InputValidator:
    """Turns a decoded table into exactly the table the model declared, or says what is wrong."""

    def __init__(self, signature: Signature) -> None:
        self.free_form = signature.free_form or not signature.inputs
        self.strict = signature.strict
        self.schema = signature.input_schema
        self.names = [f.name for f in signature.inputs]
        self._known = set(self.names)
        self._nullable = {f.name: f.nullable for f in signature.inputs}

    def __call__(self, table: pa.Table) -> pa.Table:
        if self.free_form:
            return table
        present = set(table.column_names)
        missing = [name for name in self.names if name not in present]
        if missing:
            raise InvalidInput(
                f"missing input {'column' if len(missing) == 1 else 'columns'}: "
                + ", ".join(missing),
                hint=f"the model takes: {', '.join(self.names)}",
                field=missing[0],
            )
        unknown = [name for name in table.column_names if name not in self._known]
        if unknown and self.strict:
            raise InvalidInput(
                f"unknown input {'column' if len(unknown) == 1 else 'columns'}: "
                + ", ".join(unknown),
                hint=f"the model takes only: {', '.join(self.names)}",
                field=unknown[0],
            )
        columns = []
        for field in self.schema:
            column = table.column(field.name)
            if column.null_count and not self._nullable[field.name]:
                first = pc.index(pc.is_null(column), True).as_py()
                raise InvalidInput(
                    f"input {field.name!r} is null in row {first}",
                    hint="send a value for every row",
                    field=field.name,
                )
            columns.append(self._cast(column, field))
        return pa.Table.from_arrays(columns, schema=self.schema)

    @staticmethod
    def _cast(column: pa.ChunkedArray, field: pa.Field) -> pa.ChunkedArray:
        if column.type == field.type:
            return column
        try:
            return column.cast(field.type, safe=True)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
            raise InvalidInput(
                f"input {field.name!r} should be {field.type}, got {column.type}: {exc}",
                field=field.name,
            ) from exc
