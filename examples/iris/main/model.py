import pandas as pd
from sklearn import datasets, svm

import modelport
from modelport import Field, Signature

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


class IrisClassifier(modelport.Model):
    """An SVM classifier of iris flowers, trained at build time on scikit-learn's bundled data."""

    def __init__(self) -> None:
        self.gamma = "scale"
        self.classifier: svm.SVC | None = None

    def build(self) -> None:
        iris = datasets.load_iris()
        self.classifier = svm.SVC(gamma=self.gamma).fit(iris.data, iris.target)

    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"species": self.classifier.predict(df[FEATURES].to_numpy())})

    def schema(self) -> Signature:
        return Signature(
            inputs=[Field(name, float) for name in FEATURES],
            outputs=[Field("species", int)],
        )

    def input_example(self) -> list[dict]:
        return [dict(zip(FEATURES, [5.1, 3.5, 1.4, 0.2]))]

    def metadata(self) -> dict:
        return {"description": "Iris species from sepal and petal sizes", "framework": "sklearn"}
