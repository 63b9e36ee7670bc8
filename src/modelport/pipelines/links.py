"""Whether each step's outputs can feed the next step's inputs, checked before anything runs.

A step reads its inputs by column name from the previous step's output (extra columns are left
out); every input must be there, as loosely as Wallaroo's engine links steps: the same number
of tensor levels, of the same size where both sides fix it (an output of shape [1] feeds a
``list<float>`` input, whose rows are checked as they arrive), and the same element type, or an
integer or float where a float is taken. A step that declares no fields (free-form) is not
checked.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from modelport.errors import InvalidInput
from modelport.pipelines.validations import CompiledValidation
from modelport.schema import Field, Signature


def check_links(steps: Sequence[tuple[str, Signature]]) -> None:
    """InvalidInput naming both steps and the column where one step cannot feed the next."""
    for index in range(1, len(steps)):
        (before, produced), (after, taken) = steps[index - 1], steps[index]
        if produced.free_form or taken.free_form or not taken.inputs:
            continue
        outputs = {f.name: f for f in produced.outputs}
        returns = ", ".join(outputs) or "nothing declared"
        for wanted in taken.inputs:
            given = outputs.get(wanted.name)
            if given is None:
                raise InvalidInput(
                    f"step {index + 1} ({after}) takes column {wanted.name!r}, which step "
                    f"{index} ({before}) does not return (it returns: {returns})",
                    hint="put a step between them that produces it, or choose another model",
                    field=f"steps[{index}]",
                )
            if not fits(given, wanted):
                raise InvalidInput(
                    f"step {index + 1} ({after}) takes {wanted.name!r} as {_shown(wanted)}, but "
                    f"step {index} ({before}) returns it as {_shown(given)}",
                    hint="make the two steps agree on the column's type and shape",
                    field=f"steps[{index}]",
                )


def check_validations(
    validations: Sequence[CompiledValidation], last: tuple[str, Signature] | None
) -> None:
    """InvalidInput when a validation reads a column the last step does not return."""
    if last is None or last[1].free_form or not last[1].outputs:
        return
    outputs = [f.name for f in last[1].outputs]
    for validation in validations:
        missing = sorted(validation.columns.difference(outputs))
        if missing:
            raise InvalidInput(
                f"validation {validation.label!r} reads out.{missing[0]}, which the last step "
                f"({last[0]}) does not return (it returns: {', '.join(outputs)})",
                hint="refer to one of the last step's output columns",
                field="expression",
            )


def fits(given: Field, wanted: Field) -> bool:
    """Whether a column of field ``given`` can be read as field ``wanted``."""
    given_levels, given_element = _levels(given)
    wanted_levels, wanted_element = _levels(wanted)
    if len(given_levels) != len(wanted_levels):
        return False
    for have, need in zip(given_levels, wanted_levels, strict=True):
        if have is not None and need is not None and have != need:
            return False
    if given_element == wanted_element:
        return True
    if pa.types.is_integer(given_element):
        return pa.types.is_integer(wanted_element) or pa.types.is_floating(wanted_element)
    return pa.types.is_floating(given_element) and pa.types.is_floating(wanted_element)


def _levels(field: Field) -> tuple[list[int | None], pa.DataType]:
    """A field's tensor levels, outermost first (a size, or None for a list of any length),
    and its element type."""
    levels: list[int | None] = list(field.shape or ())
    element = field.type
    while (
        pa.types.is_list(element)
        or pa.types.is_large_list(element)
        or (pa.types.is_fixed_size_list(element))
    ):
        levels.append(element.list_size if pa.types.is_fixed_size_list(element) else None)
        element = element.value_type
    return levels, element


def _shown(field: Field) -> str:
    shape = f" of shape {list(field.shape)}" if field.shape else ""
    return f"{field.type}{shape}"
