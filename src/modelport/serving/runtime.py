"""The protocol-neutral data plane: one loaded model, validated batches in, checked tables out.

Synchronous ``predict`` runs in a bounded thread pool so the event loop keeps answering health
checks; ``async def predict`` is awaited directly.
"""

from __future__ import annotations

from typing import Any

import anyio
import anyio.to_thread
import pyarrow as pa

from modelport.errors import ModelFailed, ModelportError
from modelport.servable import Servable
from modelport.serving.validation import InputValidator


class ModelRuntime:
    """Serves one Servable: load once, then validate -> predict -> check per batch."""

    def __init__(self, servable: Servable, *, version: int | None = None, threads: int = 4) -> None:
        self.servable = servable
        self.name = servable.name
        self.version = version
        self.validate = InputValidator(servable.signature)
        self.ready = False
        self._limiter = anyio.CapacityLimiter(threads)

    def load(self) -> None:
        """Call the model's own initialisation; readiness turns true only after it."""
        self.servable.load()
        self.ready = True

    async def predict(self, batch: pa.Table) -> pa.Table:
        checked = self.validate(batch)
        try:
            if self.servable.is_async:
                result = await self.servable.predict(checked)
            else:
                result = await anyio.to_thread.run_sync(
                    self.servable.predict, checked, limiter=self._limiter
                )
        except ModelportError:
            raise
        except Exception as exc:
            raise ModelFailed(f"{type(exc).__name__}: {exc}") from exc
        return self._check(result, rows=checked.num_rows)

    def _check(self, result: Any, *, rows: int) -> pa.Table:
        if not isinstance(result, pa.Table):
            raise ModelFailed(f"the model returned {type(result).__name__}, not a table")
        if result.num_rows != rows:
            raise ModelFailed(
                f"the model returned {result.num_rows} rows for {rows} input rows",
                hint="predict must return exactly one answer per input row",
            )
        return result
