from .model import IrisClassifier

__all__ = ["IrisClassifier"]
