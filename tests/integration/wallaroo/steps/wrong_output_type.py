"""A step whose output breaks its output schema: text where float64 is declared."""

from mac.types import InferenceData


def process_data(input_data: InferenceData) -> InferenceData:
    rows = len(input_data["tensor"])
    return {"weighted": ["not a number"] * rows, "largest": [0.0] * rows}
