"""Making the ``qwak`` (and ``frogml``) import names resolve in a Qwak project's environment.

modelport ships a compatibility module set (``formats/qwak/compat``: ``qwak``, ``frogml``,
``qwak_inference``) with the documented
surface of the Qwak SDK. It is appended to ``sys.path`` only when the real SDK is not installed,
and appended last, so an installed SDK always wins. The build worker, the loader and the
project's test runs (through :mod:`modelport.formats.qwak.pytest_sdk`) call :func:`use_compat_sdk`.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

COMPAT_ROOT = Path(__file__).resolve().parent / "compat"


def use_compat_sdk() -> bool:
    """Put the compatibility modules on ``sys.path`` unless the real SDK is importable; True when
    they are in use."""
    root = str(COMPAT_ROOT)
    if root in sys.path:
        return True
    spec = importlib.util.find_spec("qwak")
    if spec is not None and not str(spec.origin).startswith(root):
        _wire_real_sdk()
        return False
    sys.path.append(root)
    importlib.invalidate_caches()
    return True


def _wire_real_sdk() -> None:
    """The real SDK wants its dependency wiring imported before a project's ``main``."""
    try:
        importlib.import_module("qwak.model.tools")
    except Exception:  # an SDK without it (or broken wiring) still gets a chance to import main
        return
