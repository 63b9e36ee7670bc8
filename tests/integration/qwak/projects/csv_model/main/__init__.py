from .model import NearestPrice
