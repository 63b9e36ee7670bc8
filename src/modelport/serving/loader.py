"""From what a user names (a registry reference, a project folder, an artifact file) to a
loaded :class:`~modelport.servable.Servable`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from modelport.artifact.manifest import MANIFEST_NAME, Manifest
from modelport.artifact.reader import Artifact, open_artifact, unpacked_root
from modelport.errors import NotFound
from modelport.servable import Servable
from modelport.serving.conventions import convention, require_installed

if TYPE_CHECKING:
    from modelport.settings import Settings


@dataclass(frozen=True)
class LoadedModel:
    servable: Servable
    artifact: Artifact
    version: int | None


def load_artifact(
    path: Path,
    *,
    settings: Settings,
    version: int | None = None,
    expected_digest: str | None = None,
    name: str | None = None,
) -> LoadedModel:
    """Verify, unpack and load the model of the artifact at ``path`` (not yet initialised)."""
    artifact = open_artifact(
        path, max_bytes=settings.max_artifact_bytes, expected_digest=expected_digest
    )
    servable = _load(unpacked_root(artifact, settings), artifact.manifest, name=name)
    return LoadedModel(servable=servable, artifact=artifact, version=version)


def load_unpacked(root: Path, *, name: str | None = None) -> Servable:
    """Load the model of an artifact unpacked at ``root`` (by :func:`unpacked_root`, which
    checked every file first), from the manifest it holds (not yet initialised)."""
    path = root / MANIFEST_NAME
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise NotFound(
            f"{root} is not an unpacked artifact: cannot read {path.name} ({exc.strerror})",
            hint="serve models with `modelport serve`, which unpacks them first",
        ) from exc
    return _load(root, Manifest.from_yaml(text, source=str(path)), name=name)


def _load(root: Path, manifest: Manifest, *, name: str | None) -> Servable:
    adapter = convention(manifest.source_format)
    require_installed(adapter)
    servable = adapter.load(root, manifest)
    servable.source_format = manifest.source_format
    if name:
        servable.name = name
    return servable
