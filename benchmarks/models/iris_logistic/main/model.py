"""The batch benchmark's model: scikit-learn's ``LogisticRegression`` on the bundled iris data,
taking a DataFrame. Its predict is cheap (a 4x3 matrix product per row), so what a batch run
adds around it (reading, checking, writing) shows."""

from __future__ import annotations

import pandas as pd
from sklearn.linear_model import LogisticRegression

import modelport
from modelport import Field, Signature

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


class IrisLogistic(modelport.Model):
    """A logistic regression of iris species that takes and answers DataFrames."""

    def __init__(self) -> None:
        self.classifier: LogisticRegression | None = None

    def build(self) -> None:
        from sklearn import datasets  # training only

        iris = datasets.load_iris()
        self.classifier = LogisticRegression(max_iter=1000).fit(iris.data, iris.target)

    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        assert self.classifier is not None, "build() has not run"
        return pd.DataFrame({"species": self.classifier.predict(df[FEATURES].to_numpy())})

    def schema(self) -> Signature:
        return Signature(
            inputs=[Field(name, float) for name in FEATURES],
            outputs=[Field("species", int)],
        )
