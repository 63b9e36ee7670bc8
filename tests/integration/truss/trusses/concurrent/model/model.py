import threading
import time


class Model:
    def __init__(self):
        self._lock = threading.Lock()
        self._events = []

    def predict(self, model_input):
        with self._lock:
            self._events.append(("start", model_input["id"]))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # hold the slot until a second call is in
            with self._lock:
                if sum(kind == "start" for kind, _ in self._events) >= 2:
                    break
            time.sleep(0.01)
        time.sleep(0.2)
        with self._lock:
            self._events.append(("end", model_input["id"]))
        return {"id": model_input["id"]}

    def postprocess(self, model_output):
        with self._lock:
            model_output["events"] = list(self._events)
        return model_output
