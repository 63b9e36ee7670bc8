"""A BYOP model needing scikit-learn, which its requirements.txt brings into its environment."""

import pickle
from typing import Any

import numpy as np
from mac.config.inference import CustomInferenceConfig
from mac.inference import Inference
from mac.inference.creation import InferenceBuilder
from mac.types import InferenceData
from sklearn.preprocessing import StandardScaler


class ScalerInference(Inference):
    @property
    def expected_model_types(self) -> set[Any]:
        return {StandardScaler}

    def _predict(self, input_data: InferenceData) -> InferenceData:
        return {"scaled": self.model.transform(np.asarray(input_data["tensor"]))}


class ScalerBuilder(InferenceBuilder):
    @property
    def inference(self) -> ScalerInference:
        return ScalerInference()

    def create(self, config: CustomInferenceConfig) -> ScalerInference:
        inference = self.inference
        inference.model = pickle.loads((config.model_path / "scaler.pkl").read_bytes())
        return inference
