"""Validations: named conditions over a pipeline's output columns, parsed safely.

An expression is read with Python's own parser and then checked against a small whitelist;
nothing is ever passed to ``eval``. What is allowed::

    out.predictions            an output column (out["name with spaces"] for any name)
    1000000  0.5  "text"  True constants
    < <= > >= == !=            comparisons (chains too: 0 <= out.p <= 1)
    and  or  not               logic
    + - * / // % **            arithmetic, unary minus
    abs(...)                   absolute value

The condition is evaluated on whole columns at once (numpy); a row fails a validation where the
condition is false. For a tensor column, a row passes only when the condition holds for every
element of it.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from modelport.errors import InvalidInput, ModelFailed
from modelport.pipelines.definition import Validation
from modelport.tables import column_to_numpy

MAX_LENGTH = 1000
ALLOWED = (
    "out.<column> or out['<column>'], numbers, strings, True/False, comparisons "
    "(< <= > >= == !=), and/or/not, + - * / // % ** and abs()"
)

_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_ARITHMETIC: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_CONDITIONS = (ast.Compare, ast.BoolOp)

Columns = Mapping[str, np.ndarray]
Evaluator = Callable[[Columns], Any]


@dataclass(frozen=True)
class CompiledValidation:
    """A validation ready to run: the columns it reads and its evaluator."""

    label: str
    expression: str
    columns: frozenset[str]
    evaluate: Evaluator

    def passes(self, columns: Columns, rows: int) -> np.ndarray:
        """One boolean per row: whether the row meets the condition."""
        try:
            with np.errstate(all="ignore"):
                result = np.asarray(self.evaluate(columns))
        except Exception as exc:
            raise ModelFailed(
                f"validation {self.label!r} ({self.expression}) cannot be evaluated on the "
                f"output: {type(exc).__name__}: {exc}",
                hint="compare output columns with values of their own type",
            ) from exc
        if result.ndim == 0:
            result = np.full(rows, bool(result))
        if result.dtype != np.bool_ or result.shape[0] != rows:
            raise ModelFailed(
                f"validation {self.label!r} ({self.expression}) does not give one true or "
                f"false per row",
                hint="write a condition such as out.predictions < 1000000",
            )
        if result.ndim > 1:
            return np.asarray(result.reshape(rows, -1).all(axis=1))
        return result


def compile_validation(validation: Validation) -> CompiledValidation:
    """Parse and check an expression (InvalidInput naming the label for anything not allowed)."""
    label, text = validation.label, validation.expression
    if not label.strip():
        raise InvalidInput("a validation needs a label", field="label")
    if label == "count":
        raise InvalidInput(
            "a validation cannot be labelled 'count': the result frame's anomaly.count counts "
            "the failed validations",
            hint="pick another label",
            field="label",
        )
    if len(text) > MAX_LENGTH:
        raise InvalidInput(
            f"validation {label!r} is over {MAX_LENGTH} characters", field="expression"
        )
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise InvalidInput(
            f"validation {label!r}: {text!r} is not an expression ({exc.msg})",
            hint=f"write a condition such as out.predictions < 1000000; allowed: {ALLOWED}",
            field="expression",
        ) from None
    body = tree.body
    negation = isinstance(body, ast.UnaryOp) and isinstance(body.op, ast.Not)
    if not (isinstance(body, _CONDITIONS) or negation):
        raise InvalidInput(
            f"validation {label!r}: {text!r} is not a condition",
            hint="compare an output column with a value, e.g. out.predictions < 1000000",
            field="expression",
        )
    columns: set[str] = set()
    evaluate = _Compiler(label, columns).compile(body)
    if not columns:
        raise InvalidInput(
            f"validation {label!r}: {text!r} reads no output column",
            hint="refer to a column of the last step's output as out.<column>",
            field="expression",
        )
    return CompiledValidation(label, text, frozenset(columns), evaluate)


class _Compiler:
    """Turns a whitelisted syntax tree into nested closures over the columns."""

    def __init__(self, label: str, columns: set[str]) -> None:
        self.label = label
        self.columns = columns

    def compile(self, node: ast.AST) -> Evaluator:
        if isinstance(node, ast.Constant) and isinstance(node.value, bool | int | float | str):
            value = node.value
            return lambda _: value
        column = _column_name(node)
        if column is not None:
            self.columns.add(column)
            return lambda columns: columns[column]
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.BoolOp):
            parts = [self.compile(v) for v in node.values]
            combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
            return lambda columns: _fold(combine, [part(columns) for part in parts])
        if isinstance(node, ast.UnaryOp):
            operand = self.compile(node.operand)
            if isinstance(node.op, ast.Not):
                return lambda columns: np.logical_not(operand(columns))
            if isinstance(node.op, ast.USub):
                return lambda columns: np.negative(operand(columns))
            if isinstance(node.op, ast.UAdd):
                return operand
        if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
            apply = _ARITHMETIC[type(node.op)]
            left, right = self.compile(node.left), self.compile(node.right)
            return lambda columns: apply(left(columns), right(columns))
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "abs"
            and len(node.args) == 1
            and not node.keywords
        ):
            argument = self.compile(node.args[0])
            return lambda columns: np.abs(argument(columns))
        raise InvalidInput(
            f"validation {self.label!r}: {ast.unparse(node)!r} is not allowed",
            hint=f"use only {ALLOWED}",
            field="expression",
        )

    def _compare(self, node: ast.Compare) -> Evaluator:
        ops = [_COMPARE.get(type(op)) for op in node.ops]
        if None in ops:
            raise InvalidInput(
                f"validation {self.label!r}: {ast.unparse(node)!r} uses a comparison that is "
                "not allowed",
                hint="compare with < <= > >= == or !=",
                field="expression",
            )
        checked = [op for op in ops if op is not None]
        operands = [self.compile(node.left), *(self.compile(c) for c in node.comparators)]

        def compare(columns: Columns) -> Any:
            values = [operand(columns) for operand in operands]
            results = [op(a, b) for op, a, b in zip(checked, values, values[1:], strict=False)]
            return _fold(np.logical_and, results)

        return compare


def _column_name(node: ast.AST) -> str | None:
    """The column ``out.name`` or ``out["name"]`` refers to, if the node is one."""
    if isinstance(node, ast.Attribute) and _is_out(node.value):
        return node.attr
    if (
        isinstance(node, ast.Subscript)
        and _is_out(node.value)
        and isinstance(node.slice, ast.Constant)
        and isinstance(node.slice.value, str)
    ):
        return node.slice.value
    return None


def _is_out(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id == "out"


def _fold(combine: Callable[[Any, Any], Any], values: list[Any]) -> Any:
    result = values[0]
    for value in values[1:]:
        result = combine(result, value)
    return result


def output_columns(table: pa.Table) -> dict[str, np.ndarray]:
    """The output columns as numpy arrays (tensor columns as (rows, *shape) arrays)."""
    return {name: column_to_numpy(table.column(name)) for name in table.column_names}


def count_failures(validations: list[CompiledValidation], outputs: pa.Table) -> np.ndarray:
    """For each row, how many of ``validations`` it fails."""
    failures = np.zeros(outputs.num_rows, dtype=np.int32)
    for failed in failed_rows(validations, outputs).values():
        failures += failed
    return failures


def failed_rows(validations: list[CompiledValidation], outputs: pa.Table) -> dict[str, np.ndarray]:
    """For each validation (by label), where rows fail it (a boolean per row)."""
    rows = outputs.num_rows
    if not validations:
        return {}
    columns = output_columns(outputs)
    found: dict[str, np.ndarray] = {}
    for validation in validations:
        missing = sorted(validation.columns - columns.keys())
        if missing:
            raise ModelFailed(
                f"validation {validation.label!r} reads {', '.join(missing)}, which the last "
                f"step does not return (it returns: {', '.join(columns)})",
            )
        found[validation.label] = ~validation.passes(columns, rows)
    return found
