"""``qwak.model.base``: the class a Qwak model subclasses."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any


class QwakModel(ABC):
    """A Qwak model: ``build()`` at build time, ``predict(df)`` per request; ``schema()`` and
    ``initialize_model()`` (once per serving process) are optional."""

    @abstractmethod
    def build(self) -> None:
        """Train or load the model; runs once at build time, from the project folder."""

    @abstractmethod
    def predict(self, df: Any) -> Any:
        """Answer a pandas DataFrame of rows with a DataFrame (one row per input row)."""

    def schema(self) -> Any:
        """The model's ``ModelSchema`` (None: inputs are not checked)."""
        return None

    def initialize_model(self) -> None:
        """Runs once when a serving process loads the built model."""
        return None


QwakModelInterface = QwakModel
"""The SDK's older name of the base class."""

__all__ = ["QwakModel", "QwakModelInterface"]
