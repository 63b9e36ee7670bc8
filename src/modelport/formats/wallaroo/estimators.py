"""scikit-learn and XGBoost models saved with pickle or joblib, in Wallaroo's convention.

Input: one column (``inputs`` unless the input schema names it) holding, per row, a fixed-size
list of floats in training order. Output: the predictions, in the column the output schema
names (``predictions`` by default).
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from modelport.batch import Batch
from modelport.errors import ConfigError
from modelport.formats.wallaroo.data_rules import check_output
from modelport.schema import Field, Signature
from modelport.servable import Servable

INPUT_NAME = "inputs"
OUTPUT_NAME = "predictions"


def load_estimator(path: Path) -> Any:
    """The model object in a pickle or joblib file."""
    try:
        import joblib

        return joblib.load(path)
    except ImportError:
        pass
    except Exception as exc:
        raise ConfigError(
            f"{path.name} cannot be loaded ({type(exc).__name__}: {exc})",
            hint="save the model with joblib.dump or pickle.dump, in an environment with the "
            "same library versions",
            field=path.name,
        ) from exc
    with path.open("rb") as handle:
        return pickle.load(handle)


def framework_of(model: Any, path: Path) -> str:
    """``sklearn`` or ``xgboost``, from the model object's package."""
    package = type(model).__module__.split(".")[0]
    if package in ("sklearn", "xgboost"):
        return package
    raise ConfigError(
        f"{path.name} holds a {type(model).__module__}.{type(model).__name__}, "
        "neither a scikit-learn nor an XGBoost model",
        hint="upload it as a python step or a BYOP zip (framework custom) instead",
        field=path.name,
    )


def default_signature(model: Any) -> Signature:
    """Wallaroo's convention for the model, read off the model itself."""
    features = _feature_count(model)
    sample = _predict(model, np.zeros((1, features)))
    output = Field(OUTPUT_NAME, sample.dtype, shape=sample.shape[1:] or None)
    return Signature([Field(INPUT_NAME, "float64", shape=(features,))], [output])


def check_signature(signature: Signature, model: Any) -> None:
    """The given schemas follow the convention: one fixed-size list input of the right size."""
    if len(signature.inputs) != 1 or signature.inputs[0].shape is None:
        raise ConfigError(
            "a scikit-learn or XGBoost model takes one input column holding a fixed-size list "
            "of floats per row",
            hint=f"input schema: pa.schema([pa.field('{INPUT_NAME}', "
            f"pa.list_(pa.float64(), list_size={_feature_count(model)}))])",
            field="input_schema",
        )
    if signature.inputs[0].shape != (_feature_count(model),):
        raise ConfigError(
            f"the input schema gives {signature.inputs[0].shape} features, the model was "
            f"trained on {_feature_count(model)}",
            field="input_schema",
        )
    if len(signature.outputs) != 1:
        raise ConfigError(
            "a scikit-learn or XGBoost model returns one output column",
            hint=f"output schema: pa.schema([pa.field('{OUTPUT_NAME}', pa.float64())])",
            field="output_schema",
        )


def _feature_count(model: Any) -> int:
    count = getattr(model, "n_features_in_", None)
    if count is None and hasattr(model, "num_features"):
        count = model.num_features()
    if count is None:
        raise ConfigError(
            f"{type(model).__name__} does not say how many features it takes",
            hint="fit the model before saving it, or give --input-schema",
        )
    return int(count)


def _predict(model: Any, matrix: np.ndarray) -> np.ndarray:
    if type(model).__name__ == "Booster":  # XGBoost's own API takes a DMatrix
        import xgboost

        return np.asarray(model.predict(xgboost.DMatrix(matrix)))
    return np.asarray(model.predict(matrix))


class EstimatorServable(Servable):
    """Serves a scikit-learn or XGBoost model on the single ``inputs`` column."""

    def __init__(
        self, path: Path, *, name: str, signature: Signature, metadata: dict[str, Any]
    ) -> None:
        self.path = path
        self.name = name
        self.signature = signature
        self.metadata = metadata
        self.model: Any = None

    def load(self) -> None:
        self.model = load_estimator(self.path)

    def predict(self, batch: Batch) -> pa.Table:
        return answer(self.model, batch.columns(), self.signature)


def answer(model: Any, columns: Mapping[str, np.ndarray], signature: Signature) -> pa.Table:
    """The model's predictions for the input column, as a table of its one output column."""
    matrix = columns[signature.inputs[0].name]
    predictions = _predict(model, matrix)
    return check_output(
        {signature.outputs[0].name: predictions}, rows=len(matrix), schema=signature.output_schema
    )


def sample_inputs(signature: Signature, rows: int = 16) -> dict[str, np.ndarray]:
    """A batch of the input column, random but repeatable, to check a converted model on."""
    field = signature.inputs[0]
    matrix = np.random.default_rng(0).standard_normal((rows, *(field.shape or (1,))))
    return {field.name: matrix}
