"""Writing registered models in other platforms' formats (``modelport export --format``)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from modelport.errors import ConfigError


@dataclass(frozen=True)
class ExportFormat:
    """One format ``modelport export`` writes: ``write(artifact_path, dest)``."""

    name: str
    description: str
    write: Callable[[Path, Path], None]


def _copy_artifact(artifact_path: Path, dest: Path) -> None:
    scratch = dest.with_name(dest.name + ".partial")
    shutil.copyfile(artifact_path, scratch)
    scratch.replace(dest)


def _write_omaf(artifact_path: Path, dest: Path) -> None:
    from modelport.export.omaf import write_omaf

    write_omaf(artifact_path, dest)


EXPORT_FORMATS: dict[str, ExportFormat] = {
    "modelport": ExportFormat("modelport", "the artifact zip, as registered", _copy_artifact),
    "omaf": ExportFormat("omaf", "an Odahu OMAF zip with a GPPI entrypoint", _write_omaf),
}


def get_export_format(name: str) -> ExportFormat:
    """The export format called ``name``."""
    if name not in EXPORT_FORMATS:
        raise ConfigError(
            f"unknown export format {name!r}",
            hint=f"choose one of: {', '.join(EXPORT_FORMATS)}",
            field="--format",
        )
    return EXPORT_FORMATS[name]
