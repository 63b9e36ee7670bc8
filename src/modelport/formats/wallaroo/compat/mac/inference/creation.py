"""``mac.inference.creation.InferenceBuilder``: how a BYOP model builds its Inference."""

from abc import ABC, abstractmethod

from mac.config.inference import CustomInferenceConfig
from mac.inference import Inference


class InferenceBuilder(ABC):
    """Creates a ready Inference (model assigned) from a CustomInferenceConfig."""

    @property
    @abstractmethod
    def inference(self) -> Inference:
        """The Inference subclass (or an instance of it) this builder makes."""

    @abstractmethod
    def create(self, config: CustomInferenceConfig) -> Inference:
        """Load the model from ``config.model_path`` and return the Inference holding it."""
