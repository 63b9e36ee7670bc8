"""``qwak.model.tools.run_local``: a model's build, initialisation and one prediction, in this
process, as a unit test uses it."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from modelport.formats.qwak.api import PredictCall
from modelport.formats.qwak.servable import as_frame


def run_local(model: Any, input_data: Any) -> Any:
    """``build()`` then ``initialize_model()`` once (``model.initialized`` marks it done), then
    ``predict`` on ``input_data``: a JSON string (columns or records, answered with records
    JSON) or a DataFrame (answered with a DataFrame)."""
    if not getattr(model, "initialized", False):
        model.build()
        initialize = getattr(model, "initialize_model", None)
        if callable(initialize):
            initialize()
        model.initialized = True
    as_json = isinstance(input_data, str | bytes)
    frame = _frame(json.loads(input_data)) if as_json else pd.DataFrame(input_data)
    answer = as_frame(PredictCall.of(model.predict)(model.predict, frame))
    return answer.to_json(orient="records", double_precision=10) if as_json else answer


def _frame(value: Any) -> pd.DataFrame:
    if isinstance(value, dict) and {"columns", "data"} <= value.keys():
        return pd.DataFrame(value["data"], columns=value["columns"])
    return pd.DataFrame(value)


__all__ = ["run_local"]
