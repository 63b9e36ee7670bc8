"""The Python environment a model's replicas run in, as a Ray ``runtime_env``.

- A model built with ``--env inherit`` runs in the interpreter the cluster's workers already
  use: no ``runtime_env`` (modelport and the model's packages must be installed there).
- A model built in an environment of its own that exists on this machine and holds Ray (the
  model's requirements name ``ray``) runs with that environment's interpreter
  (``py_executable``): nothing is installed, the replica starts as fast as ``modelport serve``
  does. This suits a cluster whose nodes share this machine's modelport home (one machine, or
  a shared folder). A Ray worker cannot start in an interpreter without Ray (its first line
  imports ``ray``), which is why an environment without it is not used so.
- Otherwise Ray installs the artifact's lock with pip on each node (``pip``), in a virtualenv
  over the interpreter the workers run (where Ray and modelport come from).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from modelport.artifact.manifest import Manifest

__all__ = ["holds_ray", "lock_lines", "runtime_env"]


def lock_lines(manifest: Manifest) -> list[str]:
    """The artifact's pinned requirements, one per line, without comments or blanks."""
    lock = manifest.lock
    lines = lock.splitlines() if isinstance(lock, str) else list(lock)
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def runtime_env(
    manifest: Manifest, *, envs_dir: Path, index_options: Sequence[str] = ()
) -> dict[str, Any]:
    """The ``runtime_env`` of the replicas of ``manifest``'s model (see the module docstring)."""
    if manifest.build.get("environment") != "venv":
        return {}
    from modelport.builder.built_environments import built_environment

    lines = lock_lines(manifest)
    python = built_environment(lines, envs_dir=envs_dir, options=index_options)
    if python is not None and holds_ray(python):
        return {"py_executable": str(python)}
    return {"pip": {"packages": lines}}


def holds_ray(python: Path) -> bool:
    """Whether the virtualenv of ``python`` (``ENV/bin/python``) has Ray installed."""
    return any(python.parent.parent.glob("lib/python*/site-packages/ray/__init__.py"))
