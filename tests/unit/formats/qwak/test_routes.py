"""The Qwak route exists only while a Qwak model is served, and answers only for those
(in-process, over ASGI)."""

from __future__ import annotations

import pandas as pd

from modelport.formats.native.python_model import PythonModelServable
from modelport.formats.qwak.servable import QwakServable
from modelport.schema import Field, Signature
from modelport.serving.app import convention_routes, create_app
from modelport.serving.conventions import Services
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime
from modelport.testing import app_client

SIGNATURE = Signature(inputs=[Field("x", float)], outputs=[Field("y", float)], strict=False)


class Doubler:
    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"y": df["x"] * 2})


def _runtime(servable: QwakServable | PythonModelServable) -> ModelRuntime:
    runtime = ModelRuntime(servable, version=1)
    runtime.load()
    return runtime


def test_no_route_without_a_qwak_model() -> None:
    native = _runtime(PythonModelServable(Doubler(), name="native", signature=SIGNATURE))
    routes = convention_routes(ModelSet([native]), Services())
    assert "/v1/{name}/predict" not in [getattr(route, "path", None) for route in routes]
    with app_client(create_app(ModelSet([native]))) as client:
        assert client.post("/v1/native/predict", json=[{"x": 1.0}]).status_code == 404


def test_the_route_answers_for_qwak_models_only() -> None:
    models = ModelSet(
        [
            _runtime(QwakServable(Doubler(), name="doubler", signature=SIGNATURE)),
            _runtime(PythonModelServable(Doubler(), name="native", signature=SIGNATURE)),
        ]
    )
    with app_client(create_app(models)) as client:
        body = pd.DataFrame({"x": [1.0, 2.0], "extra": ["a", "b"]}).to_json(orient="split")
        split = "application/json; format=pandas-split"
        answer = client.post("/v1/doubler/predict", content=body, headers={"content-type": split})
        assert answer.status_code == 200, answer.text
        assert answer.json() == [{"y": 2.0}, {"y": 4.0}]
        other = client.post("/v1/native/predict", json=[{"x": 1.0}])
        assert other.status_code == 404
        assert "/v1/models/native/predict" in other.text
        csv = client.post(
            "/v1/doubler/predict", content=b"x\n1", headers={"content-type": "text/csv"}
        )
        assert csv.status_code == 415


TYPED_AS_DECLARED = Signature(
    inputs=[Field("customer_id", str), Field("tenure", float)],
    outputs=[Field("score", float)],
    strict=False,
)


class ReadsWhatItIsSent:
    """A model trained on a frame read back from a CSV (its ``Unnamed: 0`` index column) that
    takes the ids as they come and reads the tenure as text or number."""

    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "score": pd.to_numeric(df["tenure"]) * 2,
                "row": df["Unnamed: 0"],
                "id_type": [type(v).__name__ for v in df["customer_id"]],
            }
        )


def test_qwak_requests_reach_predict_as_sent() -> None:
    servable = QwakServable(ReadsWhatItIsSent(), name="churn", signature=TYPED_AS_DECLARED)
    native = PythonModelServable(ReadsWhatItIsSent(), name="native", signature=TYPED_AS_DECLARED)
    frame = pd.DataFrame({"Unnamed: 0": [4], "customer_id": [1042], "tenure": ["12"]})
    split = {"content-type": "application/json; format=pandas-split"}
    with app_client(create_app(ModelSet([_runtime(servable), _runtime(native)]))) as client:
        answer = client.post(
            "/v1/churn/predict", content=frame.to_json(orient="split"), headers=split
        )
        assert answer.status_code == 200, answer.text
        assert answer.json() == [{"score": 24, "row": 4, "id_type": "int"}]
        records = client.post("/v1/models/churn/predict", json=frame.to_dict(orient="records"))
        assert records.json() == [{"score": 24, "row": 4, "id_type": "int"}]
        missing = client.post("/v1/churn/predict", json=[{"customer_id": "a", "Unnamed: 0": 1}])
        assert missing.status_code == 422
        assert "tenure" in missing.json()["detail"]
        typed = client.post("/v1/models/native/predict", json=frame.to_dict(orient="records"))
        assert typed.status_code == 422  # a native model's requests are still typed
