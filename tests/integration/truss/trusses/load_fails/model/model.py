class Model:
    def load(self):
        raise RuntimeError("the weights are missing")

    def predict(self, model_input):
        return model_input
