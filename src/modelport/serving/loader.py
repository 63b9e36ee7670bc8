"""From what a user names (a registry reference, a project folder, an artifact file) to a
loaded :class:`~modelport.servable.Servable`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from modelport.build.artifact import Artifact, open_artifact
from modelport.build.detect import get_format
from modelport.servable import Servable
from modelport.settings import Settings


@dataclass(frozen=True)
class LoadedModel:
    servable: Servable
    artifact: Artifact
    version: int | None


def unpacked_root(artifact: Artifact, settings: Settings) -> Path:
    """Where the artifact's files live on disk (extracted once per digest, then reused)."""
    root = settings.home / "unpacked" / artifact.digest.removeprefix("sha256:")[:32]
    if not root.is_dir():
        artifact.extract(root)
    return root


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
    root = unpacked_root(artifact, settings)
    adapter = get_format(artifact.manifest.source_format)
    servable = adapter.load(root, artifact.manifest)
    servable.source_format = artifact.manifest.source_format
    if name:
        servable.name = name
    return LoadedModel(servable=servable, artifact=artifact, version=version)
