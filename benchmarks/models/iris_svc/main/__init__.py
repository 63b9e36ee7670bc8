from .model import IrisSVC

__all__ = ["IrisSVC"]
