import pandas as pd
import qwak
from qwak.model.base import QwakModel
from qwak.model.schema import ExplicitFeature, InferenceOutput, ModelSchema
from sklearn.linear_model import LogisticRegression

FEATURES = ["tenure_months", "monthly_charges"]


class ChurnModel(QwakModel):
    """Churn scores for a CRM export: the export is a CSV written with its index, so every
    frame read from it (the training data, and what the CRM sends) has an "Unnamed: 0" column,
    which the model hands back so the caller can join the scores to its rows."""

    def __init__(self):
        self.model = None

    def build(self):
        df = pd.read_csv("main/churn.csv")
        self.model = LogisticRegression().fit(df[FEATURES], df["churned"])
        qwak.log_metric({"train_accuracy": self.model.score(df[FEATURES], df["churned"])})

    def schema(self):
        return ModelSchema(
            inputs=[
                ExplicitFeature(name="customer_id", type=str),
                ExplicitFeature(name="tenure_months", type=int),
                ExplicitFeature(name="monthly_charges", type=float),
            ],
            outputs=[
                InferenceOutput(name="customer_id", type=str),
                InferenceOutput(name="churn_probability", type=float),
            ],
        )

    @qwak.api()
    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        df = df.set_index("Unnamed: 0")
        features = df[FEATURES].astype(float)  # the CRM sends charges as text
        return pd.DataFrame(
            {
                "row": df.index,
                "customer_id": df["customer_id"].astype(str),
                "churn_probability": self.model.predict_proba(features)[:, 1],
            }
        )
