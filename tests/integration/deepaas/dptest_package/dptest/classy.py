"""A class-style DEEPaaS model (``dptest.classy:Echo``), instantiated once."""

from webargs import fields


class Echo:
    def __init__(self):
        self.calls = 0

    def get_metadata(self):
        return {"name": "echo", "description": "Echoes its text, counting the calls."}

    def get_predict_args(self):
        return {"text": fields.Str(required=True)}

    def predict(self, text):
        self.calls += 1
        return {"echo": text, "calls": self.calls}
