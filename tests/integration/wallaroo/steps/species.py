"""Post-processing python step: the classifier's label and probabilities to a species name and
a confidence in percent."""

import numpy as np
from mac.types import InferenceData

SPECIES = np.array(["setosa", "versicolor", "virginica"])
SCALE = 100.0


def process_data(input_data: InferenceData) -> InferenceData:
    print("species step got", input_data["label"])  # as Wallaroo's own examples do
    probabilities = np.asarray(input_data["probabilities"], dtype=np.float64)
    labels = np.asarray(input_data["label"], dtype=np.int64)
    return {"species": SPECIES[labels], "confidence": probabilities.max(axis=1) * SCALE}
