from .model import IrisLogistic

__all__ = ["IrisLogistic"]
