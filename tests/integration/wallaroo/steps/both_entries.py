"""A step that defines both entry functions."""

from mac.types import InferenceData


def process_data(input_data: InferenceData) -> InferenceData:
    return input_data


def wallaroo_json(data):
    return data
