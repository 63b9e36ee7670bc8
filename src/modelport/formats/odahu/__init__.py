"""Odahu Model Artifact Format (OMAF) artifacts with General Python Prediction Interface
entrypoints; see :mod:`modelport.formats.odahu.format`."""

from modelport.formats.odahu.format import OdahuFormat, read_artifact
from modelport.formats.odahu.manifest import MANIFEST_NAMES, OdahuManifest

__all__ = ["MANIFEST_NAMES", "OdahuFormat", "OdahuManifest", "read_artifact"]
