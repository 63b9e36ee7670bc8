"""The LitServe peer: ``{"rows": [records]}`` in, ``{"species": [...]}`` out.

``litserve_app.py PORT`` serves at LitServe's defaults (no batching);
``litserve_app.py PORT MAX_BATCH_SIZE BATCH_TIMEOUT`` turns its dynamic batching on: up to
``MAX_BATCH_SIZE`` requests, waiting at most ``BATCH_TIMEOUT`` seconds, merged into one predict.
"""

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

    def batch(self, inputs: list[np.ndarray]) -> tuple[np.ndarray, list[int]]:
        """Requests' matrices stacked into one, with each request's row count."""
        return np.concatenate(inputs), [len(matrix) for matrix in inputs]

    def predict(self, x: Any) -> Any:
        if isinstance(x, tuple):  # a merged batch: (matrix, rows per request)
            matrix, sizes = x
            return self.classifier.predict(matrix), sizes
        return self.classifier.predict(x)

    def unbatch(self, output: tuple[np.ndarray, list[int]]) -> list[np.ndarray]:
        labels, sizes = output
        return np.split(labels, np.cumsum(sizes)[:-1])

    def encode_response(self, output: np.ndarray) -> dict[str, list[int]]:
        return {"species": [int(label) for label in output]}


def serve(port: int, batching: tuple[int, float] | None) -> None:
    if batching is None:
        ls.LitServer(IrisAPI(), accelerator="cpu").run(port=port)
        return
    size, timeout = batching
    try:  # newer LitServe: batching is the API's setting
        api = IrisAPI(max_batch_size=size, batch_timeout=timeout)
    except TypeError:  # older LitServe: the server's
        server = ls.LitServer(
            IrisAPI(), accelerator="cpu", max_batch_size=size, batch_timeout=timeout
        )
    else:
        server = ls.LitServer(api, accelerator="cpu")
    server.run(port=port)


if __name__ == "__main__":
    arguments = sys.argv[1:]
    chosen = (int(arguments[1]), float(arguments[2])) if len(arguments) == 3 else None
    serve(int(arguments[0]), chosen)
