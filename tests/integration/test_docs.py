"""``GET /openapi.json`` and Swagger UI at ``/docs``, asked of the app in-process over ASGI
(tests/e2e/test_docs_browser.py loads the same app's page in a browser, over a socket)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

import jsonschema
import numpy as np
import pandas as pd
import pytest
from openapi_spec_validator import validate
from starlette.applications import Starlette
from starlette.testclient import TestClient

import modelport
from modelport import Field, Signature
from modelport.formats.native.python_model import PythonModelServable
from modelport.serving.app import create_app
from modelport.serving.models import ModelSet
from modelport.serving.protocols.docs import route_keys
from modelport.serving.runtime import ModelRuntime
from modelport.testing import app_client

KINDS = Signature(
    inputs=[
        Field("x", float),
        Field("count", int),
        Field("city", str),
        Field("member", bool),
        Field("score", float, nullable=True),
        Field("image", "float32", shape=(2, 3)),
        Field("tags", list[str]),
    ],
    outputs=[Field("label", str), Field("total", float)],
)
IRIS = Signature(
    inputs=[Field(n, float) for n in ("sepal_length", "sepal_width")],
    outputs=[Field("species", str)],
)
ASSET_TYPES = {".css": "text/css", ".js": "javascript", ".png": "image/png"}


class Kinds(modelport.Model):
    """Answers from every kind of input: the tensor's sum plus the number of tags."""

    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        images = [np.stack(list(image)) for image in df["image"]]
        totals = [float(i.sum()) + len(t) for i, t in zip(images, df["tags"], strict=True)]
        return pd.DataFrame({"label": df["city"].str.upper(), "total": totals})


class Iris(modelport.Model):
    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        species = np.where(df["sepal_length"] > 5, "virginica", "setosa")
        return pd.DataFrame({"species": species})

    def input_example(self) -> Any:
        return [{"sepal_length": 5.1, "sepal_width": 3.5}]


class Echo(modelport.Model):
    def predict(self, rows: list[Any]) -> list[Any]:
        return rows


def docs_app() -> tuple[Starlette, ModelSet]:
    """An app serving a model with every field kind, one with its own example, and a free-form
    one, all loaded."""
    runtimes = [
        ModelRuntime(PythonModelServable(Kinds(), name="kinds", signature=KINDS)),
        ModelRuntime(PythonModelServable(Iris(), name="iris", signature=IRIS), version=3),
        ModelRuntime(PythonModelServable(Echo(), name="echo", signature=Signature.free())),
    ]
    for runtime in runtimes:
        runtime.load()
    models = ModelSet(runtimes)
    return create_app(models), models


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[TestClient, Starlette]]:
    app, _ = docs_app()
    with app_client(app) as client:
        yield client, app


@pytest.fixture(scope="module")
def document(server: tuple[TestClient, Starlette]) -> dict[str, Any]:
    client, _ = server
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    return body


def template_pattern(template: str) -> re.Pattern[str]:
    """A regex matching a route template's concrete forms and its own ``{param}`` form."""
    parts = re.split(r"\{[^}]+\}", template)
    return re.compile("[^/]+".join(re.escape(part) for part in parts) + "$")


def test_the_served_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    validate(document)
    assert "/v1/models/kinds/predict" in document["paths"]
    assert "/v1/models/iris/versions/3/predict" in document["paths"]


def test_every_route_of_the_app_is_documented(
    server: tuple[TestClient, Starlette], document: dict[str, Any]
) -> None:
    _, app = server
    keys = list(route_keys(app.routes))
    assert ("POST", "/v2/models/{name}/infer") in keys  # the V2 routes are really there
    for method, template in keys:
        pattern = template_pattern(template)
        documented = [
            path
            for path, operations in document["paths"].items()
            if pattern.match(path) and method.lower() in operations
        ]
        assert documented, f"{method} {template} is not in the document"
    assert not any(path.startswith("/docs") for path in document["paths"])


def examples_of(media: dict[str, Any]) -> list[Any]:
    if "example" in media:
        return [media["example"]]
    return [e["value"] for e in media.get("examples", {}).values()]


def test_every_documented_request_example_is_answered_as_documented(
    server: tuple[TestClient, Starlette], document: dict[str, Any]
) -> None:
    client, _ = server
    sent = 0
    for path, operations in document["paths"].items():
        operation = operations.get("post")
        if operation is None:
            continue
        answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
        validator = jsonschema.Draft202012Validator(
            {**answer, "components": document["components"]}
        )
        for media_type, media in operation["requestBody"]["content"].items():
            for example in examples_of(media):
                if media_type == "application/json":
                    response = client.post(path, json=example)
                else:
                    headers = {"content-type": media_type}
                    response = client.post(path, content=example, headers=headers)
                assert response.status_code == 200, (path, media_type, response.text)
                errors = [e.message for e in validator.iter_errors(response.json())]
                assert not errors, (path, media_type, errors)
                sent += 1
    # kinds: 3 native JSON forms x 2 routes, KServe, V2 x 2; iris the same plus CSV x 2
    assert sent >= 20


def test_the_kinds_model_really_reads_the_made_up_example(
    server: tuple[TestClient, Starlette], document: dict[str, Any]
) -> None:
    client, _ = server
    operation = document["paths"]["/v1/models/kinds/predict"]["post"]
    example = operation["requestBody"]["content"]["application/json"]["examples"]["records"]
    response = client.post("/v1/models/kinds/predict", json=example["value"])
    (row,) = example["value"]
    expected = float(np.sum(row["image"])) + len(row["tags"])
    assert response.json() == [{"label": row["city"].upper(), "total": expected}]


def test_docs_page_loads_swagger_ui_from_this_server(
    server: tuple[TestClient, Starlette],
) -> None:
    client, _ = server
    base = str(client.base_url).rstrip("/")
    page = client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "SwaggerUIBundle" in page.text and '"openapi.json"' in page.text
    assert "http://" not in page.text and "https://" not in page.text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert {a.rsplit("/", 1)[-1] for a in assets} >= {"swagger-ui.css", "swagger-ui-bundle.js"}
    for asset in assets:
        url = urljoin(f"{base}/docs", asset)
        assert url.startswith(f"{base}/docs/static/"), url  # no CDN: this server
        response = client.get(url)
        assert response.status_code == 200, url
        suffix = "." + url.rsplit(".", 1)[-1]
        assert ASSET_TYPES[suffix] in response.headers["content-type"], url
        assert len(response.content) > 0
    spec = client.get(urljoin(f"{base}/docs", "openapi.json"))
    assert spec.status_code == 200 and spec.json()["openapi"] == "3.1.0"
    assert client.get("/docs/static/no-such-file.js").status_code == 404
