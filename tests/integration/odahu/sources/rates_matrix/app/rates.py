"""A matrix-mode GPPI entrypoint that opens a file relative to its working directory on every
prediction (the rate may change between calls, as a model's lookup table may)."""


def init():
    return "matrix"


def predict_on_matrix(input_matrix, provided_columns_names=None):
    with open("rate.txt") as handle:
        rate = float(handle.read())
    return [[row[0] * rate, rate] for row in input_matrix], ("amount", "rate")
