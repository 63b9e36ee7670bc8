"""Run in the MLflow tool environment: train three small models and log them with MLflow's own
client, registering each when a tracking server is given (else saving each into a folder).

    python log_models.py register         (MLFLOW_TRACKING_URI names the server)
    python log_models.py save FOLDER

Prints a JSON object: model name -> {"run_id", "version", "path"} and the rows each takes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import cloudpickle
import mlflow
import numpy as np
import pandas as pd
import scipy
import sklearn
import skops
import xgboost
from mlflow.models import infer_signature
from sklearn.datasets import load_diabetes, load_iris
from sklearn.linear_model import LogisticRegression

NAMES = {"sklearn": "iris-sklearn", "xgboost": "diabetes-xgboost", "pyfunc": "weighted-pyfunc"}
REQUIREMENTS = [
    f"{module.__name__.replace('sklearn', 'scikit-learn')}=={module.__version__}"
    for module in (mlflow, sklearn, xgboost, pd, np, cloudpickle, skops, scipy)
]
"""The three models' requirements, given (as users often do) rather than inferred: MLflow infers
them by loading each model in a subprocess, which would double the time these take, and one
list gives the three one environment."""


class WeightedSum(mlflow.pyfunc.PythonModel):
    """A pyfunc model of plain Python: x * 2 + y, and whether it is over 10."""

    def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
        total = model_input["x"] * 2.0 + model_input["y"]
        return pd.DataFrame({"total": total, "large": total > 10})


def models() -> dict[str, tuple[Any, pd.DataFrame]]:
    iris, species = load_iris(return_X_y=True, as_frame=True)
    diabetes, progression = load_diabetes(return_X_y=True, as_frame=True)
    sums = pd.DataFrame({"x": [1.0, 4.5, -2.0, 7.25], "y": [0.5, 3.0, 8.0, -1.0]})
    return {
        "sklearn": (LogisticRegression(max_iter=500).fit(iris, species), iris),
        "xgboost": (
            xgboost.XGBRegressor(n_estimators=8, max_depth=3).fit(diabetes, progression),
            diabetes,
        ),
        "pyfunc": (WeightedSum(), sums),
    }


def log(kind: str, model: Any, rows: pd.DataFrame, folder: Path | None) -> dict[str, Any]:
    output = model.predict(None, rows) if kind == "pyfunc" else model.predict(rows)
    signature = infer_signature(rows, output)
    name = NAMES[kind]
    flavor = {"sklearn": mlflow.sklearn, "xgboost": mlflow.xgboost, "pyfunc": mlflow.pyfunc}[kind]
    if folder is not None:
        path = folder / name
        if kind == "pyfunc":
            flavor.save_model(
                str(path), python_model=model, signature=signature, pip_requirements=REQUIREMENTS
            )
        else:
            flavor.save_model(model, str(path), signature=signature, pip_requirements=REQUIREMENTS)
        return {"path": str(path)}
    with mlflow.start_run() as run:
        if kind == "pyfunc":
            info = flavor.log_model(
                name="model",
                python_model=model,
                signature=signature,
                registered_model_name=name,
                pip_requirements=REQUIREMENTS,
            )
        else:
            info = flavor.log_model(
                model,
                name="model",
                signature=signature,
                registered_model_name=name,
                pip_requirements=REQUIREMENTS,
            )
    return {"run_id": run.info.run_id, "version": str(info.registered_model_version)}


def main() -> None:
    mode = sys.argv[1]
    folder = Path(sys.argv[2]) if mode == "save" else None
    found = {}
    for kind, (model, rows) in models().items():
        entry = log(kind, model, rows, folder)
        sample = rows.head(5)
        entry["rows"] = json.loads(sample.to_json(orient="records"))
        found[NAMES[kind]] = entry
    print(json.dumps(found))


if __name__ == "__main__":
    main()
