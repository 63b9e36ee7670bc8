"""A forecasting step written against a package the base environment lacks (statsmodels)."""

import numpy as np
from mac.types import InferenceData
from statsmodels.tsa.arima.model import ARIMA


def process_data(input_data: InferenceData) -> InferenceData:
    forecasts = [
        ARIMA(np.asarray(row), order=(1, 0, 0)).fit().forecast(1)[0]
        for row in input_data["history"]
    ]
    return {"forecast": np.asarray(forecasts)}
