from .model import Greeter
