"""Make ``import mac`` work in a model's process: the real package when installed, else
modelport's stand-in (``formats/wallaroo/compat/mac``); and, through a ``.pth`` file, in the
environment modelport built for a python step or BYOP model, so the developer's own local test
harness (``from mac.config.inference import CustomInferenceConfig``, run with that environment's
``python``) imports it too (``formats.stand_ins``, as Qwak's SDK does)."""

from __future__ import annotations

from pathlib import Path

from modelport.formats.stand_ins import name_in_environment, use_stand_in

COMPAT_ROOT = Path(__file__).resolve().parent / "compat"
PATH_FILE = "modelport-wallaroo-mac.pth"
"""The file naming :data:`COMPAT_ROOT` in the site-packages of a Wallaroo model's environment."""


def ensure_mac_importable() -> bool:
    """Put the stand-in ``mac`` on ``sys.path`` when no real ``mac`` can be imported; True when
    the stand-in is the one in use."""
    return use_stand_in("mac", COMPAT_ROOT)


def install_path_file(site_packages: Path | None = None) -> Path | None:
    """Name the stand-in's folder in a ``.pth`` file of the running environment when modelport
    built it for the model and no real ``mac`` is installed; the file written, or None."""
    if not ensure_mac_importable():
        return None
    return name_in_environment(COMPAT_ROOT, PATH_FILE, site_packages)
