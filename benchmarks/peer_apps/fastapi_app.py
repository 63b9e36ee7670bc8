"""The bare FastAPI peer: JSON records in, ``predict``, records out; ``def`` and ``async def``."""

import os

import joblib
import numpy as np
from fastapi import Body, FastAPI

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
classifier = joblib.load(os.environ["BENCH_MODEL_PATH"])


def _predict(rows: list[dict[str, float]]) -> list[dict[str, int]]:
    matrix = np.array([[row[name] for name in FEATURES] for row in rows], dtype=np.float64)
    return [{"species": int(label)} for label in classifier.predict(matrix)]


app = FastAPI()


@app.post("/predict")
def predict(rows: list[dict[str, float]] = Body(...)) -> list[dict[str, int]]:  # noqa: B008
    return _predict(rows)


async_app = FastAPI()


@async_app.post("/predict")
async def predict_async(rows: list[dict[str, float]] = Body(...)) -> list[dict[str, int]]:  # noqa: B008
    return _predict(rows)
