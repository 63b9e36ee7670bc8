"""A BYOP model with the weighted-sum logic: the weights are an artifact (weights.npy)."""

from pathlib import Path
from typing import Any

import numpy as np
from mac.config.inference import CustomInferenceConfig
from mac.inference import Inference
from mac.inference.creation import InferenceBuilder
from mac.types import InferenceData


class WeightedSumInference(Inference):
    @property
    def expected_model_types(self) -> set[Any]:
        return {np.ndarray}

    @Inference.model.setter
    def model(self, model: Any) -> None:
        self._raise_error_if_model_is_wrong_type(model)
        self._model = model

    def _predict(self, input_data: InferenceData) -> InferenceData:
        tensor = np.asarray(input_data["tensor"], dtype=np.float64)
        return {"weighted": tensor @ self.model, "largest": tensor.max(axis=1)}


class WeightedSumBuilder(InferenceBuilder):
    @property
    def inference(self) -> WeightedSumInference:
        return WeightedSumInference()

    def create(self, config: CustomInferenceConfig) -> WeightedSumInference:
        inference = self.inference
        inference.model = np.load(Path(config.model_path) / "weights.npy")
        return inference
