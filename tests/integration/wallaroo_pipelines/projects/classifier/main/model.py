import numpy as np
from sklearn import datasets
from sklearn.linear_model import LogisticRegression

import modelport
from modelport import Field, Signature


class Step(modelport.Model):
    """A scikit-learn classifier of standardised iris measurements."""

    def build(self) -> None:
        data, target = datasets.load_iris(return_X_y=True)
        scaled = (data - data.mean(axis=0)) / data.std(axis=0)
        self.classifier = LogisticRegression(max_iter=500).fit(scaled, target)

    def predict(self, columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        probabilities = self.classifier.predict_proba(columns["features"])
        return {
            "predictions": probabilities.argmax(axis=1).astype(np.int64),
            "probability": probabilities.max(axis=1),
        }

    def schema(self) -> Signature:
        return Signature(
            inputs=[Field("features", float, shape=(4,))],
            outputs=[Field("predictions", "int64"), Field("probability", float)],
        )
