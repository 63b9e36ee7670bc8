"""modelport: package, test, register and serve machine-learning models.

The public surface is what ``__all__`` lists (pinned by ``tests/unit/test_public_api.py``).
"""

from modelport.client import Client
from modelport.errors import (
    ArtifactError,
    BuildFailed,
    ConfigError,
    Conflict,
    InvalidInput,
    ModelFailed,
    ModelportError,
    NotFound,
    Unauthorised,
)
from modelport.model import Model
from modelport.schema import Field, Signature

__version__ = "0.1.0"

__all__ = [
    "ArtifactError",
    "BuildFailed",
    "Client",
    "ConfigError",
    "Conflict",
    "Field",
    "InvalidInput",
    "Model",
    "ModelFailed",
    "ModelportError",
    "NotFound",
    "Signature",
    "Unauthorised",
    "__version__",
]
