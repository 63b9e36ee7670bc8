"""``frogml.sdk.model.adapters``: the same classes as ``qwak.model.adapters``."""

from qwak.model.adapters import *  # noqa: F403
from qwak.model.adapters import __all__ as __all__
