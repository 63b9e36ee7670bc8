"""Truss models (``config.yaml`` + ``model/model.py``), built and served unchanged."""

from modelport.formats.truss.format import TrussFormat

__all__ = ["TrussFormat"]
