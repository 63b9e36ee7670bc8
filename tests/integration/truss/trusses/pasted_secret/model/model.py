class Model:
    def __init__(self, config, secrets):
        self._config = config
        self._secrets = secrets

    def predict(self, model_input):
        return {"config_secrets": self._config["secrets"], "tok": self._secrets.get("tok")}
