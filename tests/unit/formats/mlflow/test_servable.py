"""What an MLflow model is handed and how its answer is named: a DataFrame for column specs,
numpy arrays for tensor specs (one, or a dict of several), answers named after the signature.
The model here is a plain object with pyfunc's ``predict``; mlflow.pyfunc itself serves in
tests/integration/mlflow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from modelport.batch import Batch
from modelport.formats.mlflow.servable import MlflowServable
from modelport.schema import Field, Signature


class Recorder:
    """Keeps what it was given; answers twice its first column."""

    def __init__(self) -> None:
        self.given: Any = None

    def predict(self, model_input: Any) -> Any:
        self.given = model_input
        if isinstance(model_input, pd.DataFrame):
            return model_input.iloc[:, 0].to_numpy() * 2
        if isinstance(model_input, dict):
            return {name: values * 2 for name, values in model_input.items()}
        return model_input.sum(axis=1) * 2


def served(signature: Signature, *, tensors: bool) -> tuple[MlflowServable, Recorder]:
    servable = MlflowServable(
        Path("."), name="m", signature=signature, metadata={}, takes_tensors=tensors
    )
    servable.model = recorder = Recorder()
    return servable, recorder


def test_column_specs_get_a_dataframe_and_answer_predictions() -> None:
    signature = Signature(
        inputs=[Field("a", "float64"), Field("b", "float64")],
        outputs=[Field("predictions", "float64")],
    )
    servable, model = served(signature, tensors=False)
    answer = servable.predict(Batch.from_table(pa.table({"a": [1.0, 2.0], "b": [3.0, 4.0]})))
    assert isinstance(model.given, pd.DataFrame) and list(model.given.columns) == ["a", "b"]
    assert answer.to_pydict() == {"predictions": [2.0, 4.0]}


def test_one_tensor_is_one_array_and_several_a_dict() -> None:
    one = Signature(
        inputs=[Field("inputs", "float32", shape=(3,))], outputs=[Field("predictions", "float32")]
    )
    servable, model = served(one, tensors=True)
    rows = pa.table({"inputs": pa.array([[1, 2, 3], [4, 5, 6]], pa.list_(pa.float32(), 3))})
    answer = servable.predict(Batch.from_table(rows))
    assert isinstance(model.given, np.ndarray) and model.given.shape == (2, 3)
    assert answer.column("predictions").to_pylist() == [12.0, 30.0]

    several = Signature(
        inputs=[Field("x", "float64"), Field("y", "float64")],
        outputs=[Field("x", "float64"), Field("y", "float64")],
    )
    servable, model = served(several, tensors=True)
    answer = servable.predict(Batch.from_table(pa.table({"x": [1.0], "y": [5.0]})))
    assert sorted(model.given) == ["x", "y"]
    assert answer.to_pydict() == {"x": [2.0], "y": [10.0]}
