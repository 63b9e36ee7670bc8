"""Wallaroo python steps: one ``.py`` file (or a zip of one) with exactly one entry function.

Current form: ``process_data(input_data: InferenceData) -> InferenceData`` (sync or async), the
signature checked as Wallaroo checks it; it takes and returns a dict of column name to numpy
array. Legacy form: ``wallaroo_json(data)``, given a pandas DataFrame (or, when its parameter is
annotated ``str``, the rows as a JSON string, as older steps were) and returning a list of row
dicts, a dict of columns or a DataFrame (or that as a JSON string).

A step uploaded as a ``.zip`` (one top folder: the step, its helper modules, a requirements.txt
and other files) is found as Wallaroo's loader finds it: every ``*.py`` at the top of the folder
is imported, and exactly one of them may define the entry function (:func:`find_step`); the
folder is on ``sys.path``, so the step imports its helpers by name.
"""

from __future__ import annotations

import inspect
import json
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import pyarrow as pa

from modelport.batch import Batch
from modelport.errors import ConfigError, ModelFailed
from modelport.formats.wallaroo.data_rules import check_output
from modelport.formats.wallaroo.modules import import_file, importable_folder, in_requirements
from modelport.schema import Signature
from modelport.servable import Servable
from modelport.tables import to_table

MODULE_PREFIX = "custom_step"
CURRENT = "process_data"
LEGACY = "wallaroo_json"
SIGNATURE_MESSAGE = (
    "The `process_data` function should have the following signature: "
    "def process_data(input_data: InferenceData) -> InferenceData:"
)
NO_STEP_MESSAGE = "No pre/post-processing step found in the given files."
SEVERAL_STEPS_MESSAGE = "Multiple pre/post-processing steps found in the given files."

Variant = Literal["inference-data", "dataframe", "json-string"]


@dataclass(frozen=True)
class StepEntry:
    """The entry function of a python step and how to call it."""

    function: Callable[..., Any]
    name: str
    variant: Variant


def load_step(path: Path) -> StepEntry:
    """Import the step at ``path`` and find its one entry function; ConfigError otherwise."""
    alone = [p.name for p in path.parent.iterdir() if p.name != "__pycache__"] == [path.name]
    if not alone:  # a zipped step's, served: it imports its helpers by name
        importable_folder(path.parent)
    module = import_file(path, MODULE_PREFIX, declare=alone_step if alone else in_requirements)
    entry = _entry_in(module, path)
    if entry is None:
        raise ConfigError(
            NO_STEP_MESSAGE,
            hint=f"define {CURRENT}(input_data: InferenceData) -> InferenceData in {path.name}",
            field=path.name,
        )
    return entry


def find_step(folder: Path) -> tuple[str, StepEntry]:
    """The file (under ``folder``) defining a zipped step's one entry function, and the entry."""
    importable_folder(folder)
    found: dict[str, StepEntry] = {}
    for source in sorted(folder.glob("*.py")):
        entry = _entry_in(import_file(source, MODULE_PREFIX), source)
        if entry is not None:
            found[source.name] = entry
    if not found:
        raise ConfigError(
            NO_STEP_MESSAGE,
            hint=f"define {CURRENT}(input_data: InferenceData) -> InferenceData in a .py file "
            "at the top of the zip's folder",
        )
    if len(found) > 1:
        raise ConfigError(
            SEVERAL_STEPS_MESSAGE,
            hint=f"each of {', '.join(found)} defines one; keep the entry function in one file "
            "and import what it needs from the others",
        )
    ((name, entry),) = found.items()
    return name, entry


def alone_step(distribution: str) -> str:
    """The hint for a ``.py`` step uploaded alone: it has nowhere to declare packages."""
    return (
        f"a .py step gets the base environment only; to use {distribution}, put the step in a "
        f"folder with a requirements.txt naming {distribution} (and any helper modules), zip "
        "the folder (`zip -r step.zip step/`) and build the .zip with --framework python"
    )


def _entry_in(module: ModuleType, path: Path) -> StepEntry | None:
    """The module's one entry function, None when it has none."""
    found = {
        name: value for name in (CURRENT, LEGACY) if callable(value := getattr(module, name, None))
    }
    if not found:
        return None
    if len(found) > 1:
        raise ConfigError(
            f"{path.name} defines both {CURRENT} and {LEGACY}; a step has one entry function",
            hint=f"keep {CURRENT} (the current form) and remove {LEGACY}",
            field=path.name,
        )
    ((name, function),) = found.items()
    if name == CURRENT:
        _check_process_data(function, path)
        return StepEntry(function, name, "inference-data")
    return StepEntry(function, name, _legacy_variant(function))


def _check_process_data(function: Callable[..., Any], path: Path) -> None:
    parameters = list(inspect.signature(function).parameters.values())
    hints = _annotations(function)
    ok = (
        len(parameters) == 1
        and parameters[0].name == "input_data"
        and _is_inference_data(hints.get("input_data"))
        and _is_inference_data(hints.get("return"))
    )
    if not ok:
        raise ConfigError(
            SIGNATURE_MESSAGE,
            hint="import InferenceData with `from mac.types import InferenceData`",
            field=path.name,
        )


def _annotations(function: Callable[..., Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(function)
    except Exception:  # unresolvable string annotations: compare their text
        return dict(getattr(function, "__annotations__", {}))


def _is_inference_data(annotation: Any) -> bool:
    if annotation is None:
        return False
    if isinstance(annotation, str):
        return annotation.split(".")[-1] == "InferenceData"
    from mac.types import InferenceData

    return bool(annotation == InferenceData)


def _legacy_variant(function: Callable[..., Any]) -> Variant:
    parameters = list(inspect.signature(function).parameters.values())
    if len(parameters) != 1:
        raise ConfigError(
            f"{LEGACY} takes {len(parameters)} parameters",
            hint=f"define {LEGACY}(data) taking the previous step's output",
            field=LEGACY,
        )
    annotation = _annotations(function).get(parameters[0].name)
    return "json-string" if annotation in (str, "str") else "dataframe"


class PythonStepServable(Servable):
    """Serves a python step; its output is checked against the output schema."""

    def __init__(
        self, entry: StepEntry, *, name: str, signature: Signature, metadata: dict[str, Any]
    ) -> None:
        self.entry = entry
        self.name = name
        self.signature = signature
        self.metadata = metadata
        self.is_async = inspect.iscoroutinefunction(entry.function)
        self._output_schema = signature.output_schema if signature.outputs else None

    def load(self) -> None:
        """A python step has nothing to load beyond its module."""

    def predict(self, batch: Batch) -> Any:
        answer = self.entry.function(self._argument(batch))
        if self.is_async:
            return self._finish(answer, batch.num_rows)
        return self._checked(answer, batch.num_rows)

    async def _finish(self, pending: Any, rows: int) -> pa.Table:
        return self._checked(await pending, rows)

    def _argument(self, batch: Batch) -> Any:
        if self.entry.variant == "inference-data":
            return dict(batch.columns())
        frame = batch.frame()
        if self.entry.variant == "json-string":
            return frame.to_json(orient="records")
        return frame

    def _checked(self, answer: Any, rows: int) -> pa.Table:
        if self.entry.variant == "inference-data":
            return check_output(answer, rows=rows, schema=self._output_schema)
        return check_output(_legacy_columns(answer), rows=rows, schema=self._output_schema)


def _legacy_columns(answer: Any) -> Mapping[str, Any]:
    """What a ``wallaroo_json`` step returned, as columns."""
    if isinstance(answer, str | bytes):
        try:
            answer = json.loads(answer)
        except ValueError as exc:
            raise ModelFailed(f"{LEGACY} returned text that is not JSON: {exc}") from None
    if isinstance(answer, Mapping):
        return answer
    try:
        table = to_table(answer)
    except ModelFailed as exc:
        raise ModelFailed(
            f"{LEGACY} returned {type(answer).__name__}",
            hint="return a list of row dicts, a dict of columns or a DataFrame",
        ) from exc
    return {name: table.column(name).to_pylist() for name in table.column_names}
