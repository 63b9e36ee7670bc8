"""A step with neither process_data nor wallaroo_json."""


def process(input_data):
    return input_data
