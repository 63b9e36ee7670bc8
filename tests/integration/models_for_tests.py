"""Small modelport models exercising the server's behaviour (defined here, served in-process)."""

from __future__ import annotations

import asyncio
import ctypes
import os
import re
import time
from collections.abc import Iterator

import numpy as np
import pandas as pd

import modelport
from modelport import Field, Signature

XY = Signature(inputs=[Field("x", float), Field("y", float)], outputs=[Field("sum", float)])


class Adder(modelport.Model):
    def predict(self, batch: np.ndarray) -> np.ndarray:
        return batch.sum(axis=1)

    def schema(self) -> Signature:
        return XY


class FrameAdder(modelport.Model):
    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"sum": df["x"] + df["y"]})

    def schema(self) -> Signature:
        return XY


class Raises(modelport.Model):
    def predict(self, batch: np.ndarray) -> np.ndarray:
        raise ValueError("the model is broken today")

    def schema(self) -> Signature:
        return XY


class WrongRows(modelport.Model):
    def predict(self, batch: np.ndarray) -> np.ndarray:
        return np.zeros(batch.shape[0] + 1)

    def schema(self) -> Signature:
        return XY


class Sleeps(modelport.Model):
    """Sleeps ``x`` seconds, then answers x + y."""

    def predict(self, batch: np.ndarray) -> np.ndarray:
        time.sleep(float(batch[0, 0]))
        return batch.sum(axis=1)

    def schema(self) -> Signature:
        return XY


class AsyncAdder(modelport.Model):
    async def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        await asyncio.sleep(0)
        return pd.DataFrame({"sum": df["x"] + df["y"]})

    def schema(self) -> Signature:
        return XY


class Words(modelport.Model):
    """Streams the words of each text; the word "boom" raises mid-stream."""

    def predict(self, df: pd.DataFrame) -> Iterator[dict[str, str]]:
        for text in df["text"]:
            for word in text.split():
                if word == "boom":
                    raise RuntimeError("exploded mid-stream")
                yield {"token": word}

    def schema(self) -> Signature:
        return Signature(inputs=[Field("text", str)], outputs=[Field("token", str)])


LEAKED: list[np.ndarray] = []


class Faults(modelport.Model):
    """Misbehaves as its first row asks: ``x`` picks the fault, ``y`` its size.

    x=0 answers x + y; 1 ``os._exit(3)``; 2 a segmentation fault; 3 sleeps y seconds; 4 spins
    in Python for y seconds; 5 keeps y MiB for good (a leak); 6 raises; 7 backtracks in C for
    about 2^y steps, holding the GIL without a pause (no signal handler can run). Initialising takes
    ``FAULTS_INIT_SECONDS`` (default 0)."""

    def initialize(self) -> None:
        time.sleep(float(os.environ.get("FAULTS_INIT_SECONDS", "0")))

    def predict(self, batch: np.ndarray) -> np.ndarray:
        fault, amount = int(batch[0, 0]), float(batch[0, 1])
        if fault == 1:
            os._exit(3)
        if fault == 2:
            ctypes.string_at(0)
        if fault == 3:
            time.sleep(amount)
        if fault == 4:
            end = time.monotonic() + amount
            while time.monotonic() < end:
                pass
        if fault == 5:
            LEAKED.append(np.ones(int(amount * 2**20), dtype=np.uint8))
        if fault == 6:
            raise ValueError("the model is broken today")
        if fault == 7:
            re.match(r"(a+)+$", "a" * int(amount) + "b")
        return batch.sum(axis=1)

    def schema(self) -> Signature:
        return XY
