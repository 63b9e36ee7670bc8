"""Pre-processing python step: the `measures` tensor of an iris (sepal length and width, petal
length and width, in millimetres) to the classifier's `tensor`, in centimetres."""

import numpy as np
from mac.types import InferenceData

SCALE = np.float32(10.0)


def process_data(input_data: InferenceData) -> InferenceData:
    millimetres = np.asarray(input_data["measures"], dtype=np.float32)
    return {"tensor": millimetres / SCALE}
