"""A greeter as a Servable."""

from __future__ import annotations

import pyarrow as pa

from modelport._types import JSONObject
from modelport.batch import Batch
from modelport.schema import Signature
from modelport.servable import Servable


class GreeterServable(Servable):
    source_format = "greeter"

    def __init__(self, *, name: str, greeting: str, punctuation: str, signature: Signature) -> None:
        self.name = name
        self.greeting = greeting
        self.punctuation = punctuation
        self.signature = signature
        self.metadata: JSONObject = {"greeting": greeting, "punctuation": punctuation}

    def load(self) -> None:
        pass

    def greet(self, name: str) -> str:
        return f"{self.greeting}, {name}{self.punctuation}"

    def predict(self, batch: Batch) -> pa.Table:
        names = batch.table().column("name").to_pylist()
        return pa.table({"greeting": [self.greet(name) for name in names]})
