import pandas as pd

import modelport
from modelport import Field, Signature

SPECIES = ["setosa", "versicolor", "virginica"]


class Step(modelport.Model):
    """Post-processing: the species' name and the confidence in percent."""

    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "species": [SPECIES[i] for i in df["predictions"]],
                "confidence": (df["probability"] * 100).round(1),
            }
        )

    def schema(self) -> Signature:
        return Signature(
            inputs=[Field("predictions", "int64"), Field("probability", float)],
            outputs=[Field("species", str), Field("confidence", float)],
        )
