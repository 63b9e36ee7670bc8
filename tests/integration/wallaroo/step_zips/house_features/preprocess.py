"""Pre-processing step of the house price pipeline: raw listing columns in, the model's `tensor`
out (the features the model was trained on, each row scaled to unit length)."""

import numpy as np
from features import FEATURES, with_derived
from mac.types import InferenceData
from sklearn.preprocessing import normalize


def process_data(input_data: InferenceData) -> InferenceData:
    columns = with_derived(input_data)
    matrix = np.column_stack([np.asarray(columns[name], dtype=np.float64) for name in FEATURES])
    return {"tensor": normalize(matrix).astype(np.float32)}
