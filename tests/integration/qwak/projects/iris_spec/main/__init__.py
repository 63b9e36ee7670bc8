from .model import IrisClassifier
