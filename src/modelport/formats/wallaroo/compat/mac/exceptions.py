"""The errors the ``mac`` base classes raise."""


class ModelNotAssignedError(Exception):
    """``predict`` was called on an Inference whose model was never assigned."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


class InferenceDataValidationError(Exception):
    """A model's ``_predict`` was given data it cannot take."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
