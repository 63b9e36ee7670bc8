"""Make ``import mac`` work in a model's process: the real package when installed, else
modelport's stand-in (``formats/wallaroo/compat/mac``)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

COMPAT_ROOT = Path(__file__).resolve().parent / "compat"


def ensure_mac_importable() -> None:
    """Put the stand-in ``mac`` on ``sys.path`` when no real ``mac`` can be imported."""
    if str(COMPAT_ROOT) in sys.path or importlib.util.find_spec("mac") is not None:
        return
    sys.path.append(str(COMPAT_ROOT))
