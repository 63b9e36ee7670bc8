"""Installing a DEEPaaS package into the environment its build step runs in.

``modelport build ./package-dir`` pip-installs the package (its declared dependencies
included) into the model's environment, as ``pip install`` would for DEEPaaS. Only an
environment modelport built for the model (``--env auto``) is installed into: with
``--env inherit`` the build runs in the developer's own interpreter, which is left untouched, and
the package is served from its packaged sources, as it is in any case (the artifact's sources go
first on ``sys.path``, so each version serves its own code).

A package versioned by pbr (the DEEP cookiecutter's ``setup.py``: ``setup(setup_requires=['pbr'],
pbr=True)``) asks git for its version, and the copy has no ``.git``: pbr gets its version from
``PBR_VERSION`` instead, set to ``setup.cfg``'s ``[metadata] version`` (``0.0.0`` when there is
none), unless the environment sets it already or the folder is an unpacked sdist (``PKG-INFO``).
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterable
from pathlib import Path

from uv import find_uv_bin

from modelport.errors import BuildFailed
from modelport.formats.base import OWN_ENVIRONMENT

PBR_VERSION = "PBR_VERSION"
NO_VERSION = "0.0.0"
_PBR_SETUP = re.compile(r"\bpbr\s*=\s*True\b")


def in_model_environment() -> bool:
    """Whether this build step runs in an environment modelport built (not an inherited one)."""
    return os.environ.get(OWN_ENVIRONMENT) == "1"


def install_package(root: Path, sources: Iterable[str]) -> None:
    """``uv pip install`` the package at ``root`` into the running environment.

    A copy of its source files is installed, so building the package writes nothing (``build/``,
    ``*.egg-info``) into the project folder.
    """
    with tempfile.TemporaryDirectory(prefix="modelport-deepaas-") as scratch:
        copy = Path(scratch) / root.name
        for relative in sources:
            target = copy / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / relative, target)
        completed = subprocess.run(
            [find_uv_bin(), "pip", "install", "--python", sys.executable, str(copy)],
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **pbr_environment(root)},
        )
    if completed.returncode != 0:
        tail = " ".join(completed.stderr.strip().splitlines()[-8:])
        raise BuildFailed(
            f"could not pip-install the DEEPaaS package {root.name}: {tail}",
            hint="check that `pip install .` works in the package folder "
            "(its build system and dependencies)",
        )


def pbr_environment(root: Path) -> dict[str, str]:
    """``{"PBR_VERSION": version}`` for a pbr-versioned package built without its ``.git``: the
    version ``setup.cfg`` declares, else 0.0.0; nothing for other packages, for an unpacked sdist
    (pbr reads its ``PKG-INFO``) or when the environment sets ``PBR_VERSION`` itself."""
    if PBR_VERSION in os.environ or (root / "PKG-INFO").is_file() or not uses_pbr(root):
        return {}
    return {PBR_VERSION: declared_version(root) or NO_VERSION}


def uses_pbr(root: Path) -> bool:
    """Whether the package is built by pbr: ``pbr=True`` in ``setup.py``, or pbr in the build
    requirements of ``pyproject.toml``."""
    setup_py = root / "setup.py"
    if setup_py.is_file() and _PBR_SETUP.search(setup_py.read_text(errors="replace")):
        return True
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(errors="replace"))
        except tomllib.TOMLDecodeError:
            return False
        requires = data.get("build-system", {}).get("requires", [])
        return any(re.match(r"pbr\b", str(r).strip(), re.IGNORECASE) for r in requires)
    return False


def declared_version(root: Path) -> str | None:
    """``[metadata] version`` of the package's ``setup.cfg``, when it declares one."""
    setup_cfg = root / "setup.cfg"
    if not setup_cfg.is_file():
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(setup_cfg)
    except configparser.Error:
        return None
    version = parser.get("metadata", "version", fallback="").strip()
    return version or None
