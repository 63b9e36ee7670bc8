"""``mac.inference.Inference``: what a BYOP model subclasses to compute predictions."""

from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from mac.exceptions import InferenceDataValidationError, ModelNotAssignedError
from mac.types import InferenceData


class Inference(ABC):
    """Holds a model of one of ``expected_model_types`` and predicts with ``_predict``."""

    def __init__(self) -> None:
        self._model: Any = None

    @property
    @abstractmethod
    def expected_model_types(self) -> set[Any]:
        """The types the assigned model may have."""

    @property
    def model(self) -> Any:
        return self._model

    @model.setter
    def model(self, model: Any) -> None:
        self._raise_error_if_model_is_wrong_type(model)
        self._model = model

    def predict(self, input_data: InferenceData) -> InferenceData:
        """``_predict`` on ``input_data``, once a model has been assigned; both what it is
        given and what it returns must be InferenceData (a dict of numpy arrays)."""
        self._raise_error_if_model_is_not_assigned()
        _raise_error_if_not_inference_data(input_data, "input_data")
        output = self._predict(input_data)
        _raise_error_if_not_inference_data(output, f"{type(self).__name__}._predict's output")
        return output

    @abstractmethod
    def _predict(self, input_data: InferenceData) -> InferenceData:
        """The subclass's own computation."""

    def _raise_error_if_model_is_not_assigned(self) -> None:
        if self.model is None:
            raise ModelNotAssignedError("The model is not assigned to the Inference object.")

    def _raise_error_if_model_is_wrong_type(self, model: Any) -> None:
        expected = self.expected_model_types
        if any(isinstance(model, kind) for kind in expected):
            return
        names = [kind.__name__ for kind in expected]
        raise TypeError(
            f"The model is not of type(s): {names}. Got type '{type(model).__name__}' instead."
        )


def _raise_error_if_not_inference_data(data: Any, what: str) -> None:
    if not isinstance(data, dict):
        raise InferenceDataValidationError(
            f"{what} must be InferenceData (a dict of str to numpy.ndarray), "
            f"got {type(data).__name__}."
        )
    for key, value in data.items():
        if not isinstance(value, np.ndarray):
            raise InferenceDataValidationError(
                f"{what} must be InferenceData (a dict of str to numpy.ndarray); "
                f"{key!r} is a {type(value).__name__}."
            )
