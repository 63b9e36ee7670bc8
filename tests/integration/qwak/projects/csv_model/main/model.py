import os

import pandas as pd
import qwak
from qwak.model.adapters import JsonInputAdapter, JsonOutputAdapter
from qwak.model.base import QwakModel
from qwak.model.schema import ModelSchema, ExplicitFeature, InferenceOutput


class NearestPrice(QwakModel):
    """Price of the nearest size in ./main/prices.csv, read at build time; a multiplier from
    the environment, like many Qwak projects' hyper-parameters."""

    def __init__(self):
        self.multiplier = float(os.environ.get("PRICE_MULTIPLIER", "1"))
        self.table = None
        self.initialized_in = None
        self.initializations = 0
        qwak.log_param({"multiplier": self.multiplier})

    def build(self):
        self.table = pd.read_csv("./main/prices.csv")
        qwak.log_data(self.table, tag="prices")
        qwak.log_metric({"rows": len(self.table)})
        qwak.log_param("not a dict")  # logging never fails the build

    def initialize_model(self):
        self.initialized_in = os.getpid()
        self.initializations += 1

    def schema(self):
        return ModelSchema(
            inputs=[ExplicitFeature(name="size", type=int)],
            outputs=[
                InferenceOutput(name="price", type=float),
                InferenceOutput(name="pid", type=int),
                InferenceOutput(name="initializations", type=int),
            ],
        )

    @qwak.api(input_adapter=JsonInputAdapter(), output_adapter=JsonOutputAdapter())
    def predict(self, rows, analytics_logger):
        answers = []
        for row in rows:
            nearest = (self.table["size"] - row["size"]).abs().idxmin()
            price = float(self.table.loc[nearest, "price"]) * self.multiplier
            answers.append(
                {"price": price, "pid": self.initialized_in, "initializations": self.initializations}
            )
            analytics_logger.log(column="nearest", value=int(nearest))
        return answers
