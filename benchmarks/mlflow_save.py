"""Save a pickled scikit-learn model as an MLflow model: ``python mlflow_save.py MODEL.pkl DEST
COLUMNS``, run by an interpreter with mlflow installed (MLServer's venv here). The signature
names the columns ``f0``, ``f1``, ... (float64 each), as a DataFrame-trained model's has."""

from __future__ import annotations

import pickle
import shutil
import sys
from pathlib import Path

import mlflow.sklearn
import numpy as np
import pandas as pd
from mlflow.models import infer_signature


def main(model_path: str, destination: str, columns: str) -> None:
    model = pickle.loads(Path(model_path).read_bytes())
    frame = pd.DataFrame(
        np.zeros((2, int(columns))), columns=[f"f{i}" for i in range(int(columns))]
    )
    shutil.rmtree(destination, ignore_errors=True)
    signature = infer_signature(frame, model.predict(frame))
    mlflow.sklearn.save_model(
        model, destination, signature=signature, serialization_format="pickle"
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
