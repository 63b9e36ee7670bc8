"""A step that raises on every request."""

from mac.types import InferenceData


def process_data(input_data: InferenceData) -> InferenceData:
    raise RuntimeError("the step broke on purpose")
