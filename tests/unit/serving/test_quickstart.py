"""The request a server prints at start: its convention's, else the native route's with one
row, as a curl line a POSIX shell reads back exactly."""

from __future__ import annotations

import json
import shlex

import numpy as np
import pyarrow as pa

import modelport
from modelport.formats.native.python_model import PythonModelServable
from modelport.schema import Field, Signature
from modelport.serving.conventions import ExampleRequest
from modelport.serving.quickstart import curl_line, example_request


class Tensor(modelport.Model):
    def predict(self, batch: np.ndarray) -> np.ndarray:
        return batch


def test_a_native_model_without_an_example_gets_a_row_made_from_its_signature() -> None:
    signature = Signature(
        inputs=[Field("tensor", pa.list_(pa.float64(), 3)), Field("label", str)],
        outputs=[Field("y", float)],
    )
    servable = PythonModelServable(Tensor(), name="my model", signature=signature)
    request = example_request(servable)
    assert request.path == "/v1/models/my%20model/predict"
    assert request.body is not None
    assert json.loads(request.body) == [{"tensor": [0.5, 0.5, 0.5], "label": "text"}]


def test_the_models_own_example_row_wins() -> None:
    signature = Signature(inputs=[Field("x", float)], outputs=[Field("y", float)])
    servable = PythonModelServable(Tensor(), name="m", signature=signature)
    servable.example = [{"x": 2.5}, {"x": 3.5}]
    assert example_request(servable).body == '[{"x": 2.5}]'


def test_curl_lines_quote_what_a_shell_would_split() -> None:
    body = json.dumps([{"text": "it's 5 o'clock"}])
    line = curl_line("http://127.0.0.1:8080", ExampleRequest("/v1/models/m/predict", body))
    assert shlex.split(line) == [
        "curl",
        "-s",
        "http://127.0.0.1:8080/v1/models/m/predict",
        "-H",
        "Content-Type: application/json",
        "-d",
        body,
    ]
    query = ExampleRequest("/v2/models/m/predict/?a=1&b=2")
    assert shlex.split(curl_line("http://h:1", query)) == [
        "curl",
        "-s",
        "-X",
        "POST",
        "http://h:1/v2/models/m/predict/?a=1&b=2",
    ]
    assert curl_line("http://h:1", ExampleRequest("/v2", method="GET")) == "curl -s http://h:1/v2"
