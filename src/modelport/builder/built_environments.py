"""Finding a model's environment already built, by its key, without resolving anything.

Apart from ``environment.py`` (which builds them with uv, and imports packaging and modelport's
own requirements for it) because ``modelport serve`` and ``predict`` only look one up before they
become the model's interpreter: importing the builder took about 50 ms of each of them.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from collections.abc import Sequence
from pathlib import Path

from modelport.builder.modelport_wheel import ModelportInstall

MARKER = ".modelport-complete"
"""File written into a venv once it is completely built; its presence means "reuse me"."""


def built_environment(
    lock: Sequence[str],
    *,
    envs_dir: Path,
    modelport_install: ModelportInstall | None = None,
    options: Sequence[str] = (),
) -> Path | None:
    """The interpreter of the environment already built for exactly ``lock`` (the pinned lines
    an artifact records), or None: found without resolving anything, so serving a model whose
    environment is there needs no package index. ``options`` are the index options it was
    likely made with (today's configuration); an environment of the same lock and modelport
    made with others (a requirements file's own index) is found by its marker."""
    install = modelport_install or ModelportInstall.current()
    target = envs_dir / environment_key(
        list(lock), list(options), platform.python_version(), install
    )
    if (target / MARKER).is_file():
        return python_of(target)
    wanted = {"lock": list(lock), "modelport": install.version, "digest": install.digest}
    for marker in sorted(envs_dir.glob(f"*/{MARKER}")):
        try:
            found = json.loads(marker.read_text())
        except (OSError, ValueError):
            continue
        python = python_of(marker.parent)
        if found == wanted and python.exists():
            return python
    return None


def environment_key(
    lock: list[str], options: list[str], version: str, install: ModelportInstall
) -> str:
    """The folder name of the environment for ``lock``: what it holds and how it was made (the
    index options among it: the same pins from another index can be other builds, as a torch
    ``+cpu`` wheel and a CUDA one)."""
    return sha256_hex(json.dumps([lock, options, version, install.version, install.digest]))[:16]


def python_of(venv: Path) -> Path:
    """The interpreter of the virtualenv ``venv``."""
    if sys.platform == "win32":
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
