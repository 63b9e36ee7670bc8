"""The BentoML peer: a service holding the joblib SVC; ``{"rows": [records]}`` in, records out."""

import os

import bentoml
import joblib
import numpy as np

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


@bentoml.service
class IrisSVC:
    """One API method, ``/predict``, at BentoML's default worker settings."""

    def __init__(self) -> None:
        self.classifier = joblib.load(os.environ["BENCH_MODEL_PATH"])

    @bentoml.api
    def predict(self, rows: list[dict[str, float]]) -> list[dict[str, int]]:
        matrix = np.array([[row[name] for name in FEATURES] for row in rows], dtype=np.float64)
        return [{"species": int(label)} for label in self.classifier.predict(matrix)]
