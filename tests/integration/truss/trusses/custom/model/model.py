from common_util import label
from starlette.requests import Request
from starlette.responses import Response


class Model:
    def __init__(self, environment, **kwargs):
        self._environment = environment
        self._healthy = True

    def is_healthy(self):
        if self._healthy == "raise":
            raise ValueError("the health check itself broke")
        return self._healthy

    def predict(self, model_input, request: Request):
        if "healthy" in model_input:
            self._healthy = model_input["healthy"]
        if model_input.get("raw"):
            return Response(content=b"raw bytes", media_type="text/plain", status_code=201)
        return {
            "label": label(model_input.get("value")),
            "environment": self._environment,
            "method": request.method if request is not None else None,
        }
