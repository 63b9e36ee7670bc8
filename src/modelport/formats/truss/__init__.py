"""Truss models (``config.yaml`` + ``model/model.py``), built and served unchanged."""
