from .model import Step

__all__ = ["Step"]
