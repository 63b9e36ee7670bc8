"""A pipeline as a :class:`~modelport.servable.Servable`: its steps run in order, each step's
output feeding the next.

Being a Servable, a pipeline is served by every generic protocol under its own name (Open
Inference V2, modelport's native routes) through an ordinary ``ModelRuntime``; ``predict``
answers with the last step's output. The Wallaroo route calls :meth:`infer` instead, for the
whole result frame. Both count the validations and log the inference when logging is on.

Each step is checked as it would be if it were served alone: its input is validated against its
signature (an upstream column of another type is cast safely or refused) and it must answer one
row per input row. Synchronous steps run in a worker thread, asynchronous ones on the loop.
What a step prints goes to the log (``step_output``), never into an answer.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import anyio.to_thread
import pyarrow as pa

from modelport.batch import Batch
from modelport.errors import ConfigError, InvalidInput, ModelFailed, ModelportError
from modelport.formats.wallaroo.frames import RunMetadata, result_frame
from modelport.formats.wallaroo.pipeline import WallarooPipeline
from modelport.pipelines.definition import PipelineVersion
from modelport.pipelines.links import check_links, check_validations
from modelport.pipelines.logs import InferenceLog
from modelport.pipelines.step_output import capture_prints, in_step
from modelport.pipelines.validations import CompiledValidation, compile_validation, failed_rows
from modelport.schema import Signature
from modelport.servable import Servable
from modelport.tables import to_table
from modelport.validation import InputValidator


@dataclass(frozen=True)
class StepRun:
    """One step, ready to run: its label (``model:version``), servable and input validator."""

    label: str
    servable: Servable
    validator: InputValidator

    @classmethod
    def of(cls, label: str, servable: Servable) -> StepRun:
        if servable.is_streaming:
            raise ConfigError(
                f"step {label} streams its answer; a pipeline step must answer whole batches",
                hint="use a model whose predict returns its rows",
            )
        return cls(
            label, servable, InputValidator(servable.signature, typed=servable.checks_input_types)
        )


_PARTITION = socket.gethostname()
"""Where Wallaroo's engine names its pod (``metadata.partition``): here, the host."""


class PipelineServable(WallarooPipeline):
    """The steps of one pipeline version, run in order."""

    is_async = True

    def __init__(
        self,
        version: PipelineVersion,
        steps: Sequence[tuple[str, Servable]],
        *,
        log: InferenceLog | None = None,
        digests: Sequence[str] | None = None,
    ) -> None:
        """``steps``: each step's label (``model:version``) and servable; ``digests``: each
        step's artifact digest (``sha256:<hex>``), when known."""
        if not steps:
            raise ConfigError(
                f"pipeline {version.ref} has no steps",
                hint=f"add one with `modelport pipeline add-step {version.pipeline} MODEL`",
            )
        self.name = version.pipeline
        self.version = version
        self.steps = [StepRun.of(label, servable) for label, servable in steps]
        signatures = [(s.label, s.servable.signature) for s in self.steps]
        check_links(signatures)
        self.validations: list[CompiledValidation] = [
            compile_validation(v) for v in version.definition.validations
        ]
        check_validations(self.validations, signatures[-1])
        first, last = self.steps[0].servable.signature, self.steps[-1].servable.signature
        if first.free_form or last.free_form:
            self.signature = Signature.free()
        else:
            self.signature = Signature(first.inputs, last.outputs, strict=first.strict)
        self.metadata = {
            "description": f"pipeline {version.ref}: " + " -> ".join(s.label for s in self.steps),
            "pipeline": version.pipeline,
            "pipeline_version": version.number,
            "steps": [s.label for s in self.steps],
            "models": _models(self.steps, digests),
        }
        self.example = self.steps[0].servable.example
        self.log = log

    def load(self) -> None:
        capture_prints()
        for step in self.steps:
            with in_step(step.label):
                step.servable.load()

    async def predict(self, batch: Batch) -> pa.Table:
        """The last step's output for ``batch`` (validations counted and logged as configured)."""
        _, outputs = await self._run(batch)
        return outputs

    async def infer(self, batch: Batch) -> pa.Table:
        """The result frame for ``batch``."""
        frame, _ = await self._run(batch)
        return frame

    async def _run(self, batch: Batch) -> tuple[pa.Table, pa.Table]:
        started = datetime.now(UTC)
        when = started.replace(microsecond=started.microsecond // 1000 * 1000)
        clock = time.perf_counter_ns()
        inputs = batch.table()
        elapsed = [time.perf_counter_ns() - clock]
        current = batch
        outputs = inputs
        for index, step in enumerate(self.steps):
            clock = time.perf_counter_ns()
            if index:
                current = self._input_of(index, outputs)
            outputs = await self._call(index, step, current)
            elapsed.append(time.perf_counter_ns() - clock)
        anomalies = failed_rows(self.validations, outputs)
        frame = result_frame(when, inputs, outputs, anomalies, self._run_metadata(elapsed))
        if self.log is not None:
            await anyio.to_thread.run_sync(self._write_log, frame, when)
        return frame, outputs

    def _run_metadata(self, elapsed: list[int]) -> RunMetadata:
        last = self.metadata["models"][-1]
        return RunMetadata(
            model_name=last["name"],
            model_sha=last["sha"],
            pipeline_version=str(self.version.number),
            elapsed_ns=elapsed,
            partition=_PARTITION,
        )

    def _input_of(self, index: int, previous: pa.Table) -> Batch:
        step = self.steps[index]
        table = previous
        if not step.validator.free_form:
            present = [n for n in step.validator.names if n in previous.column_names]
            table = previous.select(present)
        try:
            return step.validator.validate(table)
        except InvalidInput as exc:
            raise ModelFailed(
                f"step {index + 1} ({step.label}) cannot take the output of step {index} "
                f"({self.steps[index - 1].label}): {exc.message}",
                hint="make the two steps agree on their columns",
            ) from exc

    async def _call(self, index: int, step: StepRun, batch: Batch) -> pa.Table:
        servable = step.servable
        try:
            with in_step(step.label):
                if servable.is_async:  # its predict is a coroutine function
                    answer: Any = await cast(Awaitable[pa.Table], servable.predict(batch))
                else:
                    answer = await anyio.to_thread.run_sync(servable.predict, batch)
            table = answer if isinstance(answer, pa.Table) else to_table(answer)
        except ModelportError as exc:
            exc.message = f"step {index + 1} ({step.label}): {exc.message}"
            exc.args = (exc.message,)
            raise
        except Exception as exc:
            raise ModelFailed(
                f"step {index + 1} ({step.label}) failed: {type(exc).__name__}: {exc}"
            ) from exc
        if table.num_rows != batch.num_rows:
            raise ModelFailed(
                f"step {index + 1} ({step.label}) returned {table.num_rows} rows for "
                f"{batch.num_rows} input rows",
                hint="every step must return exactly one row per input row",
            )
        return table

    def _write_log(self, frame: pa.Table, when: datetime) -> None:
        assert self.log is not None
        self.log.write(frame, when=when, version=self.version.number)


def _models(steps: Sequence[StepRun], digests: Sequence[str] | None) -> list[dict[str, str]]:
    """The steps' models as Wallaroo's edge server lists them: name, version, sha (hex)."""
    shas = [d.removeprefix("sha256:") for d in digests] if digests else [""] * len(steps)
    models = []
    for step, sha in zip(steps, shas, strict=True):
        name, _, version = step.label.rpartition(":")
        models.append({"name": name or step.label, "version": version, "sha": sha})
    return models
