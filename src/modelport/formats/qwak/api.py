"""``@qwak.api(...)``: how ``predict`` wants its input and output, read once at load time.

The decorator only records its options on the function; :class:`ApiOptions` says what they mean.
Adapters are recognised by class name, so the real SDK's adapter objects work as well.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from modelport.errors import ConfigError

ATTRIBUTE = "_modelport_qwak_api"
InputKind = Literal["dataframe", "json", "numpy"]

INPUT_ADAPTERS: dict[str, InputKind] = {
    "DataFrameInputAdapter": "dataframe",
    "AutodetectInputAdapter": "dataframe",
    "DefaultInputAdapter": "dataframe",
    "JsonInputAdapter": "json",
    "NumpyInputAdapter": "numpy",
}
OUTPUT_ADAPTERS = (
    "DataFrameOutputAdapter",
    "AutodetectOutputAdapter",
    "DefaultOutputAdapter",
    "JsonOutputAdapter",
    "NumpyOutputAdapter",
)

_analytics = logging.getLogger("modelport.qwak.analytics")


@dataclass(frozen=True)
class ApiOptions:
    analytics: bool = True
    input_adapter: Any = None
    output_adapter: Any = None


def api(
    analytics: bool = True,
    feature_extraction: bool = False,
    input_adapter: Any = None,
    output_adapter: Any = None,
    **_: Any,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark ``predict`` as the model's API (``@qwak.api()``), with its adapters."""
    options = ApiOptions(analytics, input_adapter, output_adapter)

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        setattr(function, ATTRIBUTE, options)
        return function

    return decorate


class AnalyticsLogger:
    """What ``predict(self, df, analytics_logger)`` gets: ``log(column=..., value=...)``."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def log(self, column: str, value: Any) -> None:
        self.values[str(column)] = value
        _analytics.debug("%s = %r", column, value)


@dataclass(frozen=True)
class PredictCall:
    """How to call one model's ``predict``: the input it wants, and whether it logs analytics."""

    input_kind: InputKind
    wants_logger: bool

    @classmethod
    def of(cls, predict: Callable[..., Any]) -> PredictCall:
        options: ApiOptions = getattr(predict, ATTRIBUTE, None) or ApiOptions()
        output = options.output_adapter
        if output is not None and type(output).__name__ not in OUTPUT_ADAPTERS:
            raise ConfigError(
                f"output_adapter {type(output).__name__} is not supported",
                hint=f"use one of: {', '.join(OUTPUT_ADAPTERS)}",
                field="output_adapter",
            )
        adapter = options.input_adapter
        kind = "dataframe" if adapter is None else INPUT_ADAPTERS.get(type(adapter).__name__)
        if kind is None:
            raise ConfigError(
                f"input_adapter {type(adapter).__name__} is not supported",
                hint=f"use one of: {', '.join(INPUT_ADAPTERS)}",
                field="input_adapter",
            )
        try:
            parameters = inspect.signature(predict).parameters
        except (TypeError, ValueError):
            parameters = {}  # type: ignore[assignment]
        return cls(input_kind=kind, wants_logger="analytics_logger" in parameters)

    def __call__(self, predict: Callable[..., Any], frame: pd.DataFrame) -> Any:
        value: Any = frame
        if self.input_kind == "json":
            value = frame.to_dict(orient="records")
        elif self.input_kind == "numpy":
            value = frame.to_numpy()
        if self.wants_logger:
            return predict(value, analytics_logger=AnalyticsLogger())
        return predict(value)
