"""A step whose process_data is not annotated as Wallaroo requires."""


def process_data(data):
    return data
