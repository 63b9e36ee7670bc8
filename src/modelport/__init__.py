"""modelport: package, test, register and serve machine-learning models.

The public surface is what ``__all__`` lists (pinned by ``tests/unit/test_public_api.py``).
Names are imported on first use, so a process that needs only part of modelport (the command
line resolving a model, before it becomes the serving process) does not pay for the rest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modelport.client import AsyncClient, Client
    from modelport.errors import (
        ArtifactError,
        BuildFailed,
        ConfigError,
        Conflict,
        Forbidden,
        InvalidInput,
        ModelFailed,
        ModelportError,
        NotFound,
        Unauthorised,
    )
    from modelport.model import Model
    from modelport.notebook import LoadedModel, build, load
    from modelport.schema import Field, Signature

__version__ = "0.1.0"

_HOMES = {
    "AsyncClient": "modelport.client",
    "Client": "modelport.client",
    "Model": "modelport.model",
    "LoadedModel": "modelport.notebook",
    "build": "modelport.notebook",
    "load": "modelport.notebook",
    "Field": "modelport.schema",
    "Signature": "modelport.schema",
    **dict.fromkeys(
        (
            "ArtifactError",
            "BuildFailed",
            "ConfigError",
            "Conflict",
            "Forbidden",
            "InvalidInput",
            "ModelFailed",
            "ModelportError",
            "NotFound",
            "Unauthorised",
        ),
        "modelport.errors",
    ),
}

__all__ = [
    "ArtifactError",
    "AsyncClient",
    "BuildFailed",
    "Client",
    "ConfigError",
    "Conflict",
    "Field",
    "Forbidden",
    "InvalidInput",
    "LoadedModel",
    "Model",
    "ModelFailed",
    "ModelportError",
    "NotFound",
    "Signature",
    "Unauthorised",
    "__version__",
    "build",
    "load",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'modelport' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # found once; later lookups are ordinary attribute reads
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
