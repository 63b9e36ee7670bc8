"""The weighted-sum step written as a coroutine."""

import asyncio

import numpy as np
from mac.types import InferenceData

WEIGHTS = np.array([0.5, -1.0, 2.0, 0.25])


async def process_data(input_data: InferenceData) -> InferenceData:
    await asyncio.sleep(0)
    tensor = np.asarray(input_data["tensor"], dtype=np.float64)
    return {"weighted": tensor @ WEIGHTS, "largest": tensor.max(axis=1)}
