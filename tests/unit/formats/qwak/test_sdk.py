"""The ``qwak`` compatibility modules and what modelport makes of them: ModelSchema (current,
older and positional forms) as a Signature, ``@qwak.api`` adapters and the analytics logger,
predict's answers as rows, logging that never fails, and ``run_local``."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from modelport.errors import ConfigError
from modelport.formats.qwak import logged
from modelport.formats.qwak.schema import signature_of
from modelport.formats.qwak.sdk import COMPAT_ROOT, use_compat_sdk
from modelport.formats.qwak.servable import QwakServable, as_frame
from modelport.schema import Field, Signature


@pytest.fixture(autouse=True)
def sdk(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(sys, "path", list(sys.path))
    assert use_compat_sdk()  # the real SDK is not installed here
    yield


def test_the_compat_modules_come_last_on_the_path() -> None:
    import qwak

    assert sys.path[-1] == str(COMPAT_ROOT)
    assert qwak.__file__ is not None and qwak.__file__.startswith(str(COMPAT_ROOT))
    assert use_compat_sdk()  # idempotent
    assert sys.path.count(str(COMPAT_ROOT)) == 1


def test_model_schema_forms_become_the_same_signature() -> None:
    from qwak.model.schema import (
        Entity,
        ExplicitFeature,
        InferenceOutput,
        ModelSchema,
        Prediction,
        RequestInput,
    )

    current = ModelSchema(
        inputs=[ExplicitFeature(name="x", type=float), ExplicitFeature(name="kind", type=str)],
        outputs=[InferenceOutput(name="y", type=int)],
    )
    older = ModelSchema(
        features=[RequestInput(name="x", type=float), RequestInput(name="kind", type="string")],
        inference_output=[Prediction(name="y", type=int)],
    )
    positional = ModelSchema(
        ExplicitFeature(name="x", type=float),
        ExplicitFeature(name="kind", type=str),
        InferenceOutput(name="y", type=int),
    )
    expected = Signature(
        inputs=[Field("x", float, nullable=True), Field("kind", str, nullable=True)],
        outputs=[Field("y", int, nullable=True)],
        strict=False,
    )
    for schema in (current, older, positional):
        assert signature_of(schema).to_dict() == expected.to_dict()
    with_entity = signature_of(ModelSchema([Entity(name="user", type=int)], current.inputs, []))
    assert [f.name for f in with_entity.inputs] == ["user", "x", "kind"]


def test_no_schema_is_free_form_and_a_bad_one_names_the_field() -> None:
    from qwak.model.schema import ExplicitFeature, ModelSchema

    assert signature_of(None).free_form
    with pytest.raises(ConfigError, match="no inputs and no outputs"):
        signature_of(ModelSchema())
    with pytest.raises(ConfigError) as raised:
        signature_of(ModelSchema(inputs=[ExplicitFeature(name="when", type=object)]))
    assert raised.value.field == "when"


class _Model:
    def __init__(self) -> None:
        self.seen: list[Any] = []
        self.initialized = 0

    def initialize_model(self) -> None:
        self.initialized += 1


def _serve(model: Any, outputs: tuple[str, ...] = ("y",)) -> QwakServable:
    signature = Signature(inputs=[Field("x", float)], outputs=[Field(n, float) for n in outputs])
    servable = QwakServable(model, name="m", signature=signature)
    servable.load()
    return servable


FRAME = pd.DataFrame({"x": [1.0, 2.0]})


def test_json_input_adapter_and_analytics_logger() -> None:
    import qwak
    from qwak.model.adapters import JsonInputAdapter, JsonOutputAdapter

    class Model(_Model):
        @qwak.api(input_adapter=JsonInputAdapter(), output_adapter=JsonOutputAdapter())
        def predict(self, rows: list[dict[str, float]], analytics_logger: Any) -> Any:
            analytics_logger.log(column="rows", value=len(rows))
            self.seen.append((rows, analytics_logger.values))
            return [{"y": row["x"] * 2} for row in rows]

    model = Model()
    servable = _serve(model)
    assert model.initialized == 1
    assert servable.predict_frame(FRAME).to_pylist() == [{"y": 2.0}, {"y": 4.0}]
    assert model.seen == [([{"x": 1.0}, {"x": 2.0}], {"rows": 2})]


def test_numpy_input_adapter() -> None:
    import qwak
    from qwak.model.adapters import NumpyInputAdapter

    class Model(_Model):
        @qwak.api(input_adapter=NumpyInputAdapter())
        def predict(self, matrix: np.ndarray) -> np.ndarray:
            self.seen.append(matrix.shape)
            return matrix[:, 0] + 1

    model = Model()
    assert _serve(model).predict_frame(FRAME).to_pylist() == [{"y": 2.0}, {"y": 3.0}]
    assert model.seen == [(2, 1)]


@pytest.mark.parametrize("input_adapter", ["DataFrameInputAdapter", "AutodetectInputAdapter"])
@pytest.mark.parametrize(
    ("output_adapter", "answer"),
    [
        ("NumpyOutputAdapter", lambda frame: (frame["x"] * 2).to_numpy()),
        ("DataFrameOutputAdapter", lambda frame: pd.DataFrame({"y": frame["x"] * 2})),
        ("AutodetectOutputAdapter", lambda frame: pd.DataFrame({"y": frame["x"] * 2})),
    ],
)
def test_frame_input_adapters_and_output_adapters(
    input_adapter: str, output_adapter: str, answer: Any
) -> None:
    import qwak
    from qwak.model import adapters

    class Model(_Model):
        @qwak.api(
            input_adapter=getattr(adapters, input_adapter)(),
            output_adapter=getattr(adapters, output_adapter)(),
        )
        def predict(self, frame: pd.DataFrame) -> Any:
            self.seen.append(type(frame))
            return answer(frame)

    model = Model()
    assert _serve(model).predict_frame(FRAME).to_pylist() == [{"y": 2.0}, {"y": 4.0}]
    assert model.seen == [pd.DataFrame]


@pytest.mark.parametrize(
    ("answer", "rows"),
    [
        (pd.DataFrame({"y": [1, 2]}, index=[5, 6]), [{"y": 1}, {"y": 2}]),
        (pd.Series([1, 2], name="score"), [{"score": 1}, {"score": 2}]),
        (pd.Series([1, 2]), [{"y": 1}, {"y": 2}]),
        ([1, 2], [{"y": 1}, {"y": 2}]),
        ([{"y": 1}, {"y": 2}], [{"y": 1}, {"y": 2}]),
        ({"y": [1, 2]}, [{"y": 1}, {"y": 2}]),
        ({"y": 1}, [{"y": 1}]),
        (np.array([[1, 2], [3, 4]]), [{"a": 1, "b": 2}, {"a": 3, "b": 4}]),
        (np.array([1, 2]), [{"y": 1}, {"y": 2}]),
    ],
)
def test_predict_answers_become_a_frame(answer: Any, rows: list[dict[str, Any]]) -> None:
    names = ("a", "b") if isinstance(answer, np.ndarray) and answer.ndim == 2 else ("y",)
    assert pa.Table.from_pandas(as_frame(answer, names)).to_pylist() == rows


def test_a_returned_frame_is_not_changed() -> None:
    frame = pd.DataFrame([[1, 2]])
    as_frame(frame, ("a", "b"))
    assert list(frame.columns) == [0, 1]


def test_logging_records_and_never_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    import qwak

    monkeypatch.setattr(logged, "_params", {})
    monkeypatch.setattr(logged, "_metrics", {})
    monkeypatch.setattr(logged, "_data", [])
    qwak.log_param({"gamma": "scale", "c": np.float64(1.5)})
    qwak.log_param("not a dict")
    qwak.log_metric({"f1": 0.9, "matrix": object()})
    qwak.log_data(pd.DataFrame({"a": [1, 2]}), tag="train")
    qwak.log_data(None, tag=None)
    record = logged.logged()
    assert record["params"] == {"gamma": "scale", "c": 1.5}
    assert record["metrics"]["f1"] == 0.9 and record["metrics"]["matrix"].startswith("<object")
    assert record["data"] == [{"tag": "train", "rows": 2, "columns": ["a"]}, {"tag": None}]
    json.dumps(record)


def test_run_local_builds_once_and_answers_records_json() -> None:
    from qwak.model.base import QwakModel
    from qwak.model.tools import run_local

    class Adder(QwakModel):
        def __init__(self) -> None:
            self.builds = 0

        def build(self) -> None:
            self.builds += 1

        def predict(self, df: pd.DataFrame) -> pd.DataFrame:
            return pd.DataFrame({"sum": df["a"] + df["b"]})

    model = Adder()
    columns = json.dumps({"a": [1, 2], "b": [0.5, 0.25]})
    assert json.loads(run_local(model, columns)) == [{"sum": 1.5}, {"sum": 2.25}]
    records = pd.DataFrame({"a": [1], "b": [1]}).to_json(orient="records")
    assert json.loads(run_local(model, records)) == [{"sum": 2}]
    assert model.builds == 1 and model.initialized is True
    assert run_local(model, pd.DataFrame({"a": [3], "b": [4]}))["sum"].tolist() == [7]


def test_frogml_names() -> None:
    import frogml
    from frogml.sdk.model.schema import ModelSchema
    from qwak.model.base import QwakModel, QwakModelInterface

    from modelport.formats.qwak.model_class import is_model_class

    class Greeter(frogml.FrogMlModel):
        def build(self) -> None: ...

        def predict(self, df: Any) -> Any:
            return df

    assert is_model_class(Greeter)
    assert frogml.FrogMlModel is QwakModel is QwakModelInterface
    assert ModelSchema is sys.modules["qwak.model.schema"].ModelSchema
