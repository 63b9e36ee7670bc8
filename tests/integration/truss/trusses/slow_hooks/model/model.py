import time


class Model:
    """Each hook takes ``seconds`` (from the request): a server's timeout bounds each call
    into the model, as Truss's does, not the three together."""

    def preprocess(self, model_input):
        time.sleep(model_input["seconds"])
        return model_input

    def predict(self, model_input):
        time.sleep(model_input["seconds"])
        return model_input

    def postprocess(self, model_output):
        time.sleep(model_output["seconds"])
        return {"done": True}
