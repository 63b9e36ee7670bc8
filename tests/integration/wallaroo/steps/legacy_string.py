"""The oldest python-step form: wallaroo_json given the rows as a JSON string."""

import json


def wallaroo_json(data: str):
    rows = json.loads(data)
    return json.dumps({"output": [[row["dense_2"][0] * 10.0] for row in rows]})
