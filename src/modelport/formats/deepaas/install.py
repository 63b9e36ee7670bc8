"""Installing a DEEPaaS package into the environment its build step runs in.

``modelport build ./package-dir`` pip-installs the package (its declared dependencies
included) into the model's environment, as ``pip install`` would for DEEPaaS. Only an
environment modelport built for the model (``--env auto``) is installed into: with
``--env inherit`` the build runs in the developer's own interpreter, which is left untouched, and
the package is served from its packaged sources, as it is in any case (the artifact's sources go
first on ``sys.path``, so each version serves its own code).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from uv import find_uv_bin

from modelport.errors import BuildFailed
from modelport.formats.base import OWN_ENVIRONMENT


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
        )
    if completed.returncode != 0:
        tail = " ".join(completed.stderr.strip().splitlines()[-8:])
        raise BuildFailed(
            f"could not pip-install the DEEPaaS package {root.name}: {tail}",
            hint="check that `pip install .` works in the package folder "
            "(its build system and dependencies)",
        )
