"""Making the ``qwak`` (and ``frogml``) import names resolve in a Qwak project's environment.

modelport ships a compatibility module set (``formats/qwak/compat``: ``qwak``, ``frogml``,
``qwak_inference``) with the documented
surface of the Qwak SDK. It is appended to ``sys.path`` only when the real SDK is not installed,
and appended last, so an installed SDK always wins. The build worker, the loader and the
project's test runs (through :mod:`modelport.formats.qwak.pytest_sdk`) call :func:`use_compat_sdk`.

A project's own scripts (``python test_model_locally.py``, calling ``run_local``) import ``qwak``
before any modelport code runs, so the build step also names the folder in a ``.pth`` file of the
environment modelport built for the project (:func:`install_path_file`, through
:mod:`modelport.formats.stand_ins`, which Wallaroo's ``mac`` uses too).
"""

from __future__ import annotations

import importlib
from pathlib import Path

from modelport.formats.stand_ins import name_in_environment, use_stand_in

COMPAT_ROOT = Path(__file__).resolve().parent / "compat"
PATH_FILE = "modelport-qwak-sdk.pth"
"""The file naming :data:`COMPAT_ROOT` in the site-packages of a Qwak project's environment."""


def use_compat_sdk() -> bool:
    """Put the compatibility modules on ``sys.path`` unless the real SDK is importable; True when
    they are in use."""
    if use_stand_in("qwak", COMPAT_ROOT):
        return True
    _wire_real_sdk()  # installed: it wins, even over a path file naming the folder
    return False


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
    if not use_compat_sdk():
        return None
    return name_in_environment(COMPAT_ROOT, PATH_FILE, site_packages)
