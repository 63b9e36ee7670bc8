"""A built Qwak model instance, served: ``initialize_model()`` once per process, then
``predict(df)`` per batch with the DataFrame (or what its ``@qwak.api`` input adapter asks for);
the answer (a DataFrame, Series, list, dict or array) becomes a table of rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa

from modelport.batch import Batch
from modelport.formats.qwak.api import PredictCall
from modelport.schema import Signature
from modelport.servable import Servable
from modelport.tables import to_table

FORMAT_NAME = "qwak"


class QwakServable(Servable):
    source_format = FORMAT_NAME
    checks_input_types = False  # Qwak hands predict the request's frame as it comes

    def __init__(
        self,
        instance: Any,
        *,
        name: str,
        signature: Signature,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.instance = instance
        self.name = name
        self.signature = signature
        self.metadata = metadata or {}
        self._call = PredictCall.of(instance.predict)
        self._output_names = tuple(f.name for f in signature.outputs)

    def load(self) -> None:
        initialize = getattr(self.instance, "initialize_model", None)
        if callable(initialize):
            initialize()

    def predict(self, batch: Batch) -> pa.Table:
        return self.predict_frame(batch.view("pandas"))

    def predict_frame(self, frame: pd.DataFrame) -> pa.Table:
        answer = self._call(self.instance.predict, frame)
        return to_table(as_frame(answer, self._output_names), output_names=self._output_names)


def as_frame(answer: Any, output_names: Sequence[str] = ()) -> pd.DataFrame:
    """What ``predict`` returned, as a DataFrame (Qwak answers with the frame's records)."""
    if isinstance(answer, pd.DataFrame):
        frame = answer
    elif isinstance(answer, pd.Series):
        frame = answer.to_frame(answer.name if answer.name is not None else _one(output_names))
    elif isinstance(answer, Mapping):
        values = list(answer.values())
        if values and all(np.ndim(v) == 0 for v in values):
            frame = pd.DataFrame([dict(answer)])
        else:
            frame = pd.DataFrame(dict(answer))
    elif isinstance(answer, np.ndarray) and answer.ndim == 2:
        frame = pd.DataFrame(answer)
    elif isinstance(answer, list | tuple | np.ndarray):
        rows = list(answer)
        if rows and all(isinstance(r, Mapping) for r in rows):
            frame = pd.DataFrame(rows)
        elif rows and all(isinstance(r, list | tuple) for r in rows):
            frame = pd.DataFrame([list(r) for r in rows])
        else:
            frame = pd.DataFrame({_one(output_names): rows})
    else:
        return cast(pd.DataFrame, answer)  # not tabular: to_table names the type in its error
    columns = [str(c) for c in frame.columns]
    if isinstance(frame.columns, pd.RangeIndex) and len(output_names) == frame.shape[1]:
        columns = list(output_names)
    return frame.set_axis(columns, axis=1).reset_index(drop=True)


def _one(output_names: Sequence[str]) -> str:
    return output_names[0] if output_names else "prediction"
