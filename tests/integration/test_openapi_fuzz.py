"""schemathesis over the OpenAPI document a real server process serves (native, KServe V1 and
Open Inference V2 routes, for a numeric and a streaming text model): every generated request,
valid or not, answers without a server error, with a status, media type and body the document
declares, and requests the document rules out are refused.

Bounded here (a fixed seed, ``MODELPORT_FUZZ_EXAMPLES`` examples per operation, 10 by default);
``make fuzz`` runs the same with many more examples, random seeds and the stateful phase.

Left out: schemathesis's ``positive_data_acceptance``, which expects every request the document
allows to be answered 2xx; a model's input has constraints JSON Schema cannot state (a V2
tensor's data length against its shape, a ``format`` parameter against the body's shape), which
are refused with 4xx problem details, as they must be.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from modelport.testing.server import free_port

HERE = Path(__file__).parent
EXAMPLES = int(os.environ.get("MODELPORT_FUZZ_EXAMPLES", "10"))
LONG_RUN = EXAMPLES > 10

REJECTIONS = """
[checks.negative_data_rejection]
expected-statuses = [400, 401, 403, 404, 405, 406, 413, 415, 422, 428]
"""
"""A request the document rules out may also be refused as too large (413, a bound the document
does not state: the rows a V2 shape declares) or of a media type the route cannot read (415)."""

SERVER = """
import sys

sys.path.insert(0, sys.argv[2])

from models_for_tests import Adder, Words

from modelport.formats.native.python_model import PythonModelServable
from modelport.serving.conventions import Services
from modelport.serving.launch import Served, ServeOptions, serve

served = [
    Served(PythonModelServable(model, name=name, signature=model.schema()), version=1)
    for model, name in ((Adder(), "adder"), (Words(), "words"))
]
serve(served, ServeOptions(port=int(sys.argv[1]), log_level="warning"), Services())
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "server.py").write_text(SERVER)
    port = free_port()
    log = folder / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, str(folder / "server.py"), str(port), str(HERE)],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            try:
                if httpx.get(f"{base}/v2/health/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        assert "Traceback" not in log.read_text(), log.read_text()


def test_get_on_a_predict_route_is_405(server: str) -> None:
    for path in ("/v1/models/adder/predict", "/v1/models/adder:predict", "/v2/models/adder/infer"):
        answer = httpx.get(server + path)
        assert answer.status_code == 405, path
        assert "POST" in answer.headers["allow"]


@pytest.mark.slow
def test_generated_requests_meet_the_document(server: str, tmp_path: Path) -> None:
    phases = "examples,coverage,fuzzing" + (",stateful" if LONG_RUN else "")
    config = tmp_path / "schemathesis.toml"
    config.write_text(REJECTIONS)
    command = [
        str(Path(sys.executable).parent / "st"),
        "--config-file",
        str(config),
        "run",
        f"{server}/openapi.json",
        "--max-examples",
        str(EXAMPLES),
        "--phases",
        phases,
        "--exclude-checks",
        "positive_data_acceptance",
        "--workers",
        "1",
        "--no-color",
        *(() if LONG_RUN else ("--seed", "1")),
    ]
    run = subprocess.run(
        command, capture_output=True, text=True, timeout=1800, cwd=tmp_path, check=False
    )
    failures = run.stdout[run.stdout.find("FAILURES") :][:20000]  # each failure with its curl
    assert run.returncode == 0, failures + run.stderr[-2000:]
    assert " passed" in run.stdout
