import numpy as np
from sklearn import datasets

import modelport
from modelport import Field, Signature

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


class Step(modelport.Model):
    """Pre-processing: the four iris measurements, standardised, as one tensor column."""

    def build(self) -> None:
        data = datasets.load_iris().data
        self.mean = data.mean(axis=0)
        self.scale = data.std(axis=0)

    def predict(self, columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        matrix = np.column_stack([columns[name] for name in FEATURES])
        return {"features": (matrix - self.mean) / self.scale}

    def schema(self) -> Signature:
        return Signature(
            inputs=[Field(name, float) for name in FEATURES],
            outputs=[Field("features", float, shape=(4,))],
        )
