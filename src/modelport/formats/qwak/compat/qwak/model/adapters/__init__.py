"""``qwak.model.adapters``: what ``@qwak.api(input_adapter=..., output_adapter=...)`` takes.

DataFrame (the default) and autodetect hand ``predict`` a DataFrame, JSON a list of row dicts,
numpy a 2-D array; every output adapter answers with the rows ``predict`` returned.
"""


class DataFrameInputAdapter:
    pass


class AutodetectInputAdapter:
    pass


class DefaultInputAdapter:
    pass


class JsonInputAdapter:
    pass


class NumpyInputAdapter:
    pass


class DataFrameOutputAdapter:
    pass


class AutodetectOutputAdapter:
    pass


class DefaultOutputAdapter:
    pass


class JsonOutputAdapter:
    pass


class NumpyOutputAdapter:
    pass


__all__ = [
    "AutodetectInputAdapter",
    "AutodetectOutputAdapter",
    "DataFrameInputAdapter",
    "DataFrameOutputAdapter",
    "DefaultInputAdapter",
    "DefaultOutputAdapter",
    "JsonInputAdapter",
    "JsonOutputAdapter",
    "NumpyInputAdapter",
    "NumpyOutputAdapter",
]
