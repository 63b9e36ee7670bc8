"""Odahu Model Artifact Format (OMAF) artifacts with General Python Prediction Interface
entrypoints; see :mod:`modelport.formats.odahu.format`."""
