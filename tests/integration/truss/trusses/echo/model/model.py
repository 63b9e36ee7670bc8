import logging
import os


class Model:
    def __init__(self, config, data_dir, secrets):
        self._config = config
        self._data_dir = data_dir
        self._secrets = secrets
        self._words = None

    def load(self):
        self._words = (self._data_dir / "words.txt").read_text().split()

    def predict(self, model_input):
        if model_input.get("say"):  # a model that prints and logs its secret
            print(f"using the key {self._secrets['api_key']}", flush=True)
            logging.getLogger(__name__).warning("logged the key %s", self._secrets["api_key"])
            return {"said": True}
        if model_input.get("leak"):
            raise RuntimeError(f"the key {self._secrets['api_key']} was refused")
        if model_input.get("undeclared"):
            return {"value": self._secrets["not_declared"]}
        return {
            "echo": model_input,
            "words": self._words,
            "greeting": os.environ["ECHO_GREETING"],
            "data_dir_type": type(self._data_dir).__name__,
            "predict_concurrency": self._config["runtime"]["predict_concurrency"],
            "bundled_packages_dir": self._config["bundled_packages_dir"],
            "secret_names": sorted(self._secrets),
            "api_key_length": len(self._secrets["api_key"]),
        }
