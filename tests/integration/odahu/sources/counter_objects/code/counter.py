"""A stateful GPPI entrypoint in objects mode, with its own input type and JSON serializer.

IMPORTS counts imports of this module in the process (kept in the environment, which outlives a
re-import); INITS and CALLS are module state.
"""

import json
import os
from decimal import Decimal

os.environ["COUNTER_IMPORTS"] = str(int(os.environ.get("COUNTER_IMPORTS", "0")) + 1)
IMPORTS = int(os.environ["COUNTER_IMPORTS"])
INITS = 0
CALLS = 0


class Order:
    def __init__(self, price, quantity):
        self.total = Decimal(str(price)) * int(quantity)


class DecimalAsText(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, Decimal):
            return f"{o:.2f}"
        return super().default(o)


def init():
    global INITS
    INITS += 1
    return "objects"


def get_object_input_type():
    return Order


def predict_on_objects(objects):
    global CALLS
    CALLS += 1
    return [
        {"total": order.total, "imports": IMPORTS, "inits": INITS, "calls": CALLS}
        for order in objects
    ]


def get_output_json_serializer():
    return DecimalAsText


def info():
    inputs = [
        {"name": "price", "type": "number", "example": 2.5, "required": True},
        {"name": "quantity", "type": "integer", "example": 3, "required": True},
    ]
    outputs = [
        {"name": "total", "type": "string", "example": "7.50"},
        {"name": "imports", "type": "integer", "example": 1},
        {"name": "inits", "type": "integer", "example": 1},
        {"name": "calls", "type": "integer", "example": 1},
    ]
    return inputs, outputs
