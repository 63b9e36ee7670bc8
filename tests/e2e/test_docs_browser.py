"""Swagger UI at ``/docs`` in a real headless Chromium, with no internet: the page renders each
served model's operations from this server's own files and ``/openapi.json``.

Needs Debian's ``chromium`` package (``/usr/bin/chromium``); skipped where it is absent.
"""

from __future__ import annotations

import html
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelport.testing import serve_app
from tests.integration.test_docs import docs_app

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium package")


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    app, _ = docs_app()
    with serve_app(app) as url:
        yield url


def rendered_dom(url: str, tmp: Path) -> str:
    """The page's DOM once its scripts have run (headless Chromium, ten seconds of page time)."""
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        f"--user-data-dir={tmp}",
        "--virtual-time-budget=10000",
        "--dump-dom",
        url,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_swagger_ui_renders_every_models_predict_operation(base: str, tmp_path: Path) -> None:
    dom = rendered_dom(f"{base}/docs", tmp_path)
    paths = set(re.findall(r'data-path="([^"]+)"', dom))
    for name in ("kinds", "iris", "echo"):
        assert f"/v1/models/{name}/predict" in paths
        assert f"/v1/models/{name}:predict" in paths
    assert "/v2/models/{name}/ready" in paths
    assert "Predict with kinds" in dom
    assert "OAS 3.1" in dom  # the document was read as OpenAPI 3.1


def test_a_deep_link_opens_the_operation_with_its_example(base: str, tmp_path: Path) -> None:
    dom = rendered_dom(f"{base}/docs#/iris/predict_iris", tmp_path)
    opened = re.search(
        r'<div class="opblock opblock-post is-open" id="operations-iris-predict_iris"', dom
    )
    assert opened is not None
    text = html.unescape(dom)
    assert "records (the default)" in text
    assert '"sepal_length": 5.1' in text  # the model's own input_example
    assert "Execute" in dom
