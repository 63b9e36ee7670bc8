"""Format detection: every registered adapter scores a path; the best one wins.

Adapters are found through the ``modelport.formats`` entry-point group, so other packages can add
conventions without changing modelport.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points
from pathlib import Path

from modelport.errors import ConfigError, NotFound
from modelport.formats.base import ModelFormat

ENTRY_POINT_GROUP = "modelport.formats"


@cache
def available_formats() -> dict[str, ModelFormat]:
    """Every installed format adapter, by name."""
    formats: dict[str, ModelFormat] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        adapter_class = entry.load()
        formats[adapter_class.name] = adapter_class()
    return formats


@cache
def get_format(name: str) -> ModelFormat:
    """The adapter called ``name``; only its own module is imported (serving one model does not
    pay for importing every convention's adapter)."""
    for entry in entry_points(group=ENTRY_POINT_GROUP, name=name):
        adapter: ModelFormat = entry.load()()
        if adapter.name == name:
            return adapter
    formats = available_formats()
    if name not in formats:
        raise ConfigError(
            f"unknown format {name!r}",
            hint=f"choose one of: {', '.join(sorted(formats))}",
        )
    return formats[name]


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
            "(`modelport init NAME` scaffolds one); --format names the convention explicitly",
        )
    return get_format(scored[0][1])
