"""Making the ``qwak`` (and ``frogml``) import names resolve in a Qwak project's environment.

modelport ships a compatibility module set (``formats/qwak/compat``: ``qwak``, ``frogml``,
``qwak_inference``) with the documented
surface of the Qwak SDK. It is appended to ``sys.path`` only when the real SDK is not installed,
and appended last, so an installed SDK always wins. The build worker, the loader and the
project's test runs (through :mod:`modelport.formats.qwak.pytest_sdk`) call :func:`use_compat_sdk`.

A project's own scripts (``python test_model_locally.py``, calling ``run_local``) import ``qwak``
before any modelport code runs, so the build step also names the folder in a ``.pth`` file of the
environment modelport built for the project (:func:`install_path_file`): Python appends it to
``sys.path`` at start-up, after site-packages, so there too an installed SDK wins. An environment
the developer owns (``--env inherit``) is never written to.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import sysconfig
from pathlib import Path

from modelport.formats.base import OWN_ENVIRONMENT

COMPAT_ROOT = Path(__file__).resolve().parent / "compat"
PATH_FILE = "modelport-qwak-sdk.pth"
"""The file naming :data:`COMPAT_ROOT` in the site-packages of a Qwak project's environment."""


def use_compat_sdk() -> bool:
    """Put the compatibility modules on ``sys.path`` unless the real SDK is importable; True when
    they are in use."""
    root = str(COMPAT_ROOT)
    spec = importlib.util.find_spec("qwak")
    if spec is not None and not str(spec.origin).startswith(root):
        _wire_real_sdk()  # installed: it wins, even over a path file naming the folder
        return False
    if root not in sys.path:
        sys.path.append(root)
        importlib.invalidate_caches()
    return True


def _wire_real_sdk() -> None:
    """The real SDK wants its dependency wiring imported before a project's ``main``."""
    try:
        importlib.import_module("qwak.model.tools")
    except Exception:  # an SDK without it (or broken wiring) still gets a chance to import main
        return


def install_path_file(site_packages: Path | None = None) -> Path | None:
    """Name the compatibility folder in a ``.pth`` file of the running environment (its
    ``site_packages``), when modelport built it for the model (the build step's process says
    so); the file written, or None (the developer's own environment, or one holding the real
    SDK)."""
    if os.environ.get(OWN_ENVIRONMENT) != "1" or not use_compat_sdk():
        return None
    path_file = (site_packages or Path(sysconfig.get_path("purelib"))) / PATH_FILE
    line = f"{COMPAT_ROOT}\n"
    if not path_file.is_file() or path_file.read_text() != line:
        path_file.write_text(line)
    return path_file
