import asyncio
import time
from pathlib import Path


class Model:
    async def predict(self, model_input):
        gate = Path(model_input["gate"])
        yield "first;"
        deadline = time.monotonic() + 20
        while not gate.exists() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        if model_input.get("fail"):
            raise RuntimeError("the stream broke")
        yield "second;"
        yield "last"
