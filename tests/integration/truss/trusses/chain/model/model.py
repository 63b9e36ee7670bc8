import asyncio

import numpy as np
from starlette.requests import Request


class Model:
    async def preprocess(self, model_input, request: Request):
        await asyncio.sleep(0)
        return {"values": model_input["values"], "path": request.url.path, "steps": ["pre"]}

    async def predict(self, model_input):
        await asyncio.sleep(0)
        doubled = np.asarray(model_input["values"]) * 2
        return {**model_input, "doubled": doubled, "steps": [*model_input["steps"], "predict"]}

    async def postprocess(self, model_output):
        await asyncio.sleep(0)
        return {
            **model_output,
            "total": np.int64(model_output["doubled"].sum()),
            "steps": [*model_output["steps"], "post"],
        }
