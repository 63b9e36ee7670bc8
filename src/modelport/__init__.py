"""modelport: package, test, register and serve machine-learning models.

The public surface is what ``__all__`` lists (pinned by ``tests/unit/test_public_api.py``).
Names are imported on first use, so a process that needs only part of modelport (the command
line resolving a model, before it becomes the serving process) does not pay for the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelport._lazy_names import lazy_names

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


__getattr__, __dir__ = lazy_names(__name__, _HOMES, __all__)
del lazy_names  # not one of the package's names
