import sys

import six
from helpers import shout


class Model:
    def predict(self, model_input):
        return {"shout": shout(model_input["text"]), "six": six.__name__, "python": sys.prefix}
