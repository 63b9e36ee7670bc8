"""The model a request's path names, which decides the worker the front sends it to."""

from __future__ import annotations

import re

MODEL_PATH = re.compile(r"^/v[12]/models/(?P<name>[^/:]+)")
"""The model a path names: ``/v1/models/NAME...`` (native, KServe V1) or ``/v2/models/NAME...``."""


def model_named(path: str) -> str | None:
    """The model name in ``path``, when it names one."""
    found = MODEL_PATH.match(path)
    return found["name"] if found else None
