"""Make ``import mac`` work in a model's process: the real package when installed, else
modelport's stand-in (``modelport/compat/wallaroo/mac``)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import modelport

COMPAT_ROOT = Path(modelport.__file__).parent / "compat" / "wallaroo"


def ensure_mac_importable() -> None:
    """Put the stand-in ``mac`` on ``sys.path`` when no real ``mac`` can be imported."""
    if str(COMPAT_ROOT) in sys.path or importlib.util.find_spec("mac") is not None:
        return
    sys.path.append(str(COMPAT_ROOT))
