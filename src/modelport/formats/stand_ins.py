"""Other platforms' SDK import names, supplied by modelport where the real SDK is missing.

A convention whose models import a vendor's SDK (Qwak's ``qwak`` and ``frogml``, Wallaroo's
``mac``) ships a stand-in with that SDK's documented surface in a ``compat/`` folder of its own.
:func:`use_stand_in` appends the folder to ``sys.path`` of the running process, last, and only when
the real package cannot be imported, so an installed SDK always wins.

A project's own scripts (Qwak's ``test_model_locally.py``, a Wallaroo BYOP model's local test
harness) import the SDK before any modelport code runs, so a build step also names the folder in a
``.pth`` file of the environment modelport built for the model (:func:`name_in_environment`):
Python appends it to ``sys.path`` at start-up, after site-packages, so there too an installed SDK
wins. An environment the developer owns (``--env inherit``) is never written to.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import sysconfig
from pathlib import Path

from modelport.formats.base import OWN_ENVIRONMENT


def use_stand_in(package: str, root: Path) -> bool:
    """Put ``root`` (the folder holding the stand-in ``package``) on ``sys.path`` unless the real
    ``package`` is importable; True when the stand-in is the one in use."""
    folder = str(root)
    spec = importlib.util.find_spec(package)
    if spec is not None and not str(spec.origin).startswith(folder):
        return False
    if folder not in sys.path:
        sys.path.append(folder)
        importlib.invalidate_caches()
    return True


def name_in_environment(
    root: Path, path_file: str, site_packages: Path | None = None
) -> Path | None:
    """Name ``root`` in the ``.pth`` file ``path_file`` of the running environment (its
    ``site_packages``) when modelport built that environment for the model (the build step's
    process says so); the file written, or None (the developer's own environment)."""
    if os.environ.get(OWN_ENVIRONMENT) != "1":
        return None
    written = (site_packages or Path(sysconfig.get_path("purelib"))) / path_file
    line = f"{root}\n"
    if not written.is_file() or written.read_text() != line:
        written.write_text(line)
    return written
