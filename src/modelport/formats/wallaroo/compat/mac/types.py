"""The data a BYOP model and a python step take and return: column name -> numpy array."""

from typing import Any, Dict  # noqa: UP035 - the same spelling as the real module

import numpy.typing as npt

InferenceData = Dict[str, npt.NDArray[Any]]  # noqa: UP006
