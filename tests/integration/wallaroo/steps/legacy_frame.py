"""The older python-step form: wallaroo_json given a DataFrame, returning row dicts."""

import pandas as pd


def wallaroo_json(data: pd.DataFrame):
    return [{"output": [row[0] * 10.0]} for row in data["dense_2"].to_list()]
