"""The benchmark model: scikit-learn's ``SVC(gamma="scale")`` on the bundled iris data."""

from __future__ import annotations

import numpy as np
from sklearn import svm

import modelport
from modelport import Field, Signature

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


class IrisSVC(modelport.Model):
    """An SVM classifier of iris flowers that takes the batch as one 2-D numpy array."""

    def __init__(self) -> None:
        self.classifier: svm.SVC | None = None

    def build(self) -> None:
        from sklearn import datasets  # training only: serving does not import it

        iris = datasets.load_iris()
        self.classifier = svm.SVC(gamma="scale").fit(iris.data, iris.target)

    def predict(self, features: np.ndarray) -> np.ndarray:
        """``features``: one row per flower, columns in the order of ``schema()``'s inputs."""
        assert self.classifier is not None, "build() has not run"
        return self.classifier.predict(features)

    def schema(self) -> Signature:
        return Signature(
            inputs=[Field(name, float) for name in FEATURES],
            outputs=[Field("species", int)],
        )

    def metadata(self) -> dict[str, str]:
        return {"description": "Iris SVC for make bench", "framework": "sklearn"}
