"""The app mounts each served convention's routes, then the generic protocols; it names no
convention itself."""

from __future__ import annotations

import anyio
import httpx
import numpy as np

import modelport
from modelport.formats.native.python_model import PythonModelServable
from modelport.schema import Field, Signature
from modelport.serving.app import create_app
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime

SIGNATURE = Signature(inputs=[Field("x", float)], outputs=[Field("y", float)])


class Double(modelport.Model):
    def predict(self, batch: np.ndarray) -> np.ndarray:
        return batch[:, 0] * 2


def test_a_model_of_a_convention_nothing_installed_names_gets_the_generic_routes() -> None:
    servable = PythonModelServable(Double(), name="double", signature=SIGNATURE)
    servable.source_format = "made-by-hand"  # a library user's own Servable
    runtime = ModelRuntime(servable)
    runtime.load()
    app = create_app(ModelSet([runtime]))

    async def predict() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.post("/v1/models/double/predict", json=[{"x": 2.0}])

    answer = anyio.run(predict)
    assert (answer.status_code, answer.json()) == (200, [{"y": 4.0}])
