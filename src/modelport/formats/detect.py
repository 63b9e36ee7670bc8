"""Format detection: every installed adapter scores a path; the best one wins.

Adapters are the ``modelport.formats`` entry points (``serving.conventions`` loads them), so
other packages can add conventions without changing modelport.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from modelport.errors import ConfigError, NotFound
from modelport.formats.base import ModelFormat
from modelport.serving.conventions import convention, convention_names


@cache
def available_formats() -> dict[str, ModelFormat]:
    """Every installed format adapter that builds models, by name."""
    adapters = (convention(name) for name in convention_names())
    return {a.name: a for a in adapters if isinstance(a, ModelFormat)}


def get_format(name: str) -> ModelFormat:
    """The adapter called ``name``; only its own module is imported."""
    adapter = convention(name)
    if not isinstance(adapter, ModelFormat):
        raise ConfigError(
            f"format {name!r} serves models but does not build them",
            hint=f"choose one of: {', '.join(sorted(available_formats()))}",
        )
    return adapter


def detect_format(path: Path, *, override: str | None = None) -> ModelFormat:
    """The adapter for the project or file at ``path`` (``override`` names one directly)."""
    if not path.exists():
        raise NotFound(f"{path} does not exist", hint="give the path of a model project or file")
    if override:
        return get_format(override)
    scored = sorted(
        ((adapter.detect(path), name) for name, adapter in available_formats().items()),
        reverse=True,
    )
    if not scored or scored[0][0] <= 0:
        raise ConfigError(
            f"no model found at {path}",
            hint="a native project has main/__init__.py importing a modelport.Model subclass "
            "(`modelport init NAME` scaffolds one); --convention names the convention explicitly",
        )
    return get_format(scored[0][1])
