from .model import ChurnModel
