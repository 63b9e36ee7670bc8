"""Run in the MLflow tool environment: MLflow's own predictions for rows, the reference the
served models are compared with.

    python pyfunc_predict.py REQUEST.json     ({"model uri or folder": [row, ...], ...})

Prints {"model uri or folder": [prediction per row, as records or values], ...}.
"""

from __future__ import annotations

import json
import sys

import mlflow.pyfunc
import numpy as np
import pandas as pd


def as_json(result: object) -> object:
    if isinstance(result, pd.DataFrame):
        return json.loads(result.to_json(orient="records"))
    if isinstance(result, pd.Series):
        return np.asarray(result).tolist()
    return np.asarray(result).tolist()


def main() -> None:
    with open(sys.argv[1]) as handle:
        request = json.load(handle)
    answers = {}
    for uri, rows in request.items():
        model = mlflow.pyfunc.load_model(uri)
        schema = model.metadata.get_input_schema()
        frame = pd.DataFrame(rows)
        if schema is not None:
            frame = frame[schema.input_names()]
        answers[uri] = as_json(model.predict(frame))
    print(json.dumps(answers))


if __name__ == "__main__":
    main()
