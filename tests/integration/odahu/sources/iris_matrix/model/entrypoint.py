"""A GPPI entrypoint written to the OMAF spec: matrix mode, columns reordered by name."""

import os
import pickle

import numpy as np

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
MODEL_LOCATION = os.environ["MODEL_LOCATION"]  # read at import time, as Odahu's entrypoints do
WEIGHTS = os.path.join(MODEL_LOCATION, "classifier.pkl")

_classifier = None


def init():
    global _classifier
    with open(WEIGHTS, "rb") as handle:
        _classifier = pickle.load(handle)
    return "matrix"


def predict_on_matrix(input_matrix, provided_columns_names=None):
    names = list(provided_columns_names or FEATURES)
    position = {name: index for index, name in enumerate(names)}
    ordered = np.array([[row[position[f]] for f in FEATURES] for row in input_matrix], float)
    return _classifier.predict(ordered).reshape(-1, 1), ("species",)


def get_info():
    examples = [5.1, 3.5, 1.4, 0.2]
    inputs = [
        {"name": name, "type": "number", "example": value, "required": True}
        for name, value in zip(FEATURES, examples, strict=True)
    ]
    return inputs, [{"name": "species", "type": "integer", "example": 0, "required": True}]
