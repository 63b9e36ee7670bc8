"""An objects-mode GPPI entrypoint whose predict_on_objects returns objects of its declared
output type (a dataclass), not dicts."""

from dataclasses import dataclass


@dataclass
class Receipt:
    item: str
    total: float


def init():
    return "objects"


def get_object_output_type():
    return Receipt


def predict_on_objects(objects):
    return [
        Receipt(item=order["item"], total=order["price"] * order["quantity"]) for order in objects
    ]
