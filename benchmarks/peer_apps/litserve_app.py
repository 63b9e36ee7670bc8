"""The LitServe peer: ``{"rows": [records]}`` in, ``{"species": [...]}`` out, default settings."""

import os
import sys
from typing import Any

import joblib
import litserve as ls
import numpy as np

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


class IrisAPI(ls.LitAPI):
    """Decode records to a matrix, predict with the joblib SVC, encode labels."""

    def setup(self, device: Any) -> None:
        self.classifier = joblib.load(os.environ["BENCH_MODEL_PATH"])

    def decode_request(self, request: dict) -> np.ndarray:
        rows = request["rows"]
        return np.array([[row[name] for name in FEATURES] for row in rows], dtype=np.float64)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.classifier.predict(x)

    def encode_response(self, output: np.ndarray) -> dict[str, list[int]]:
        return {"species": [int(label) for label in output]}


if __name__ == "__main__":
    ls.LitServer(IrisAPI(), accelerator="cpu").run(port=int(sys.argv[1]))
