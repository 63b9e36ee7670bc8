"""``frogml.sdk.model.base``."""

from frogml import FrogMlModel

__all__ = ["FrogMlModel"]
