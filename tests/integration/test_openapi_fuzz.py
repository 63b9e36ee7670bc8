"""schemathesis over every OpenAPI (and Swagger) document a real server process serves, with a
model of each convention served at once: modelport's own document (native, KServe V1, Open
Inference V2 and the routes of Qwak, Truss, Odahu and Wallaroo pipelines), DEEPaaS's
``/swagger.json`` and Odahu's ``/api/model/info``. Every generated request, valid or not, answers
without a server error, with a status, media type and body the document declares, and requests
the document rules out are refused. The models answer whatever reaches them, so that a server
error is the server's.

Bounded here (a fixed seed, ``MODELPORT_FUZZ_EXAMPLES`` examples per operation, 10 by default);
``make fuzz`` runs the same with many more examples, random seeds and the stateful phase.

Left out: schemathesis's ``positive_data_acceptance``, which expects every request the document
allows to be answered 2xx; a model's input has constraints JSON Schema cannot state (a V2
tensor's data length against its shape, a ``format`` parameter against the body's shape), which
are refused with 4xx problem details, as they must be.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from modelport.testing.server import free_port

from .registry_server import make_token

HERE = Path(__file__).parent
EXAMPLES = int(os.environ.get("MODELPORT_FUZZ_EXAMPLES", "10"))
LONG_RUN = EXAMPLES > 10

REJECTIONS = """
[checks.negative_data_rejection]
expected-statuses = [400, 401, 403, 404, 405, 406, 413, 415, 422, 428]
"""
"""A request the document rules out may also be refused as too large (413, a bound the document
does not state: the rows a V2 shape declares) or of a media type the route cannot read (415)."""

DEEPAAS_REJECTIONS = (
    REJECTIONS
    + """
[[operations]]
include-path-regex = "/(predict|train)/$"
checks.negative_data_rejection.enabled = false
"""
)
"""DEEPaaS's document is Swagger 2.0, which cannot say that a form is optional: schemathesis takes
a predict or train request without a body as invalid, and DEEPaaS's arguments all come from the
query string when there is none."""
NO_TRAINING = ("--exclude-name", "POST /v2/models/deepaas-echo/train/")
"""The DEEPaaS model served has no ``train()``: a training request is answered 501 (Not
Implemented, as DEEPaaS answers it and its document states), which schemathesis counts as a
server error."""

SERVER = """
import importlib
import sys
from pathlib import Path

import pandas as pd

from modelport import Field, Signature
from modelport.formats.deepaas.entry_points import EntryPoint
from modelport.formats.deepaas.servable import DeepaasServable
from modelport.formats.native.python_model import PythonModelServable
from modelport.formats.odahu.manifest import parse_manifest
from modelport.formats.odahu.servable import OdahuServable
from modelport.formats.qwak.servable import QwakServable
from modelport.formats.truss.config import read_config
from modelport.formats.truss.servable import TrussServable
from modelport.formats.wallaroo.python_step import PythonStepServable, load_step
from modelport.pipelines.definition import PipelineVersion
from modelport.pipelines.servable import PipelineServable
from modelport.serving.conventions import Services
from modelport.serving.launch import Served, ServeOptions, serve

X_TO_Y = Signature(inputs=[Field("x", float)], outputs=[Field("y", float)], strict=False)
FILES = {
    "truss/config.yaml": "model_name: truss-echo",
    "truss/model/model.py": '''
class Model:
    def predict(self, model_input):
        return {"echo": model_input}
''',
    "step.py": '''
import numpy as np
from mac.types import InferenceData

def process_data(input_data: InferenceData) -> InferenceData:
    rows = len(next(iter(input_data.values()))) if input_data else 0
    return {"y": np.ones(rows)}
''',
    "odahu/model/entry.py": '''
def init():
    return "matrix"

def predict_on_matrix(matrix, columns):
    return [[1.0] for _ in matrix], ("y",)
''',
    "deepaas_echo.py": '''
from webargs import fields, validate

def get_metadata():
    return {"name": "deepaas-echo", "description": "Echoes its arguments."}

def get_predict_args():
    return {
        "number": fields.Float(required=True),
        "mode": fields.Str(load_default="sum", validate=validate.OneOf(["sum", "max"])),
    }

def predict(**kwargs):
    return {"number": kwargs["number"], "mode": kwargs["mode"]}
''',
}
ODAHU = {
    "binaries": {"type": "python", "dependencies": "conda", "conda_path": "env.yml"},
    "model": {"name": "ones", "version": "1.0", "workDir": "model", "entrypoint": "entry"},
}


class Ones:
    def predict(self, df):
        return pd.DataFrame({"y": [1.0] * len(df)})


def main(port, tests, work):
    sys.path.insert(0, str(tests))
    sys.path.insert(0, str(work))
    from models_for_tests import Adder, Words

    for name, text in FILES.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(text)
    step = load_step(work / "step.py")
    deepaas = importlib.import_module("deepaas_echo")
    served = [
        PythonModelServable(Adder(), name="adder", signature=Adder().schema()),
        PythonModelServable(Words(), name="words", signature=Words().schema()),
        QwakServable(Ones(), name="qwak-ones", signature=X_TO_Y),
        TrussServable(read_config(work / "truss"), name="truss-echo", metadata={}),
        PipelineServable(
            PipelineVersion("default", "pipe", 1),
            [("step:1", PythonStepServable(step, name="step", signature=X_TO_Y, metadata={}))],
        ),
        OdahuServable(
            work / "odahu", parse_manifest(ODAHU), name="odahu-ones",
            signature=Signature.free(), metadata={},
        ),
        DeepaasServable(EntryPoint("deepaas-echo", "deepaas_echo"), deepaas),
    ]
    options = ServeOptions(port=port, log_level="warning")
    serve([Served(s, 1) for s in served], options, Services(home=work / "home"))


if __name__ == "__main__":  # DEEPaaS trainings run in spawned processes, which import this file
    main(int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "server.py").write_text(SERVER)
    port = free_port()
    log = folder / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, str(folder / "server.py"), str(port), str(HERE), str(folder)],
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
    for path in (
        "/v1/models/adder/predict",
        "/v1/models/adder:predict",
        "/v2/models/adder/infer",
        "/v1/models/truss-echo:predict",  # the readiness path of the Truss takes these too
        "/v1/models/truss-echo:predict_binary",
    ):
        answer = httpx.get(server + path)
        assert answer.status_code == 405, path
        assert "POST" in answer.headers["allow"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("document", "rejections", "excluded"),
    [
        ("/openapi.json", REJECTIONS, ()),
        ("/swagger.json", DEEPAAS_REJECTIONS, NO_TRAINING),
        ("/api/model/info", REJECTIONS, ()),
    ],
    ids=["modelport", "deepaas", "odahu"],
)
def test_generated_requests_meet_the_document(
    server: str, tmp_path: Path, document: str, rejections: str, excluded: tuple[str, ...]
) -> None:
    _schemathesis(server, document, rejections, tmp_path, excluded)


@pytest.mark.slow
def test_generated_requests_meet_the_registry_servers_document(
    live_registry_server: Callable[..., str], tmp_path: Path
) -> None:
    """The registry server's API (``modelport server``), asked with an administrator's token."""
    uri = f"sqlite:///{tmp_path / 'registry.db'}"
    base = live_registry_server(uri)
    token = make_token(uri, "fuzzer", admin=True, roles={})
    headers = f'\n[headers]\nAuthorization = "Bearer {token}"\n'
    _schemathesis(base, "/api/v1/openapi.json", REJECTIONS + headers, tmp_path)


def _schemathesis(
    server: str, document: str, config_text: str, folder: Path, excluded: tuple[str, ...] = ()
) -> None:
    """schemathesis over the document at ``server + document``, asking ``server``; fails with
    the seed and each failure's curl line."""
    phases = "examples,coverage,fuzzing" + (",stateful" if LONG_RUN else "")
    config = folder / "schemathesis.toml"
    config.write_text(config_text)
    command = [
        str(Path(sys.executable).parent / "st"),
        "--config-file",
        str(config),
        "run",
        f"{server}{document}",
        "--url",
        server,
        "--max-examples",
        str(EXAMPLES),
        "--phases",
        phases,
        "--exclude-checks",
        "positive_data_acceptance",
        "--suppress-health-check",
        "filter_too_much",  # a path with an enum and a pattern: the generator's concern, not ours
        "--workers",
        "1",
        "--no-color",
        *excluded,
        *(() if LONG_RUN else ("--seed", "1")),
    ]
    run = subprocess.run(
        command, capture_output=True, text=True, timeout=1800, cwd=folder, check=False
    )
    seed = re.search(r"Seed: \d+", run.stdout)
    found = [run.stdout.find(h) for h in ("= ERRORS", "= FAILURES")]
    failures = run.stdout[min([at for at in found if at >= 0], default=0) :][:20000]
    replay = f"{seed[0] if seed else 'no seed printed'} ({document}; `st replay` ids above)\n"
    assert run.returncode == 0, replay + failures + run.stderr[-2000:]
    generated = re.search(r"\d+ generated", run.stdout)
    print(f"{document}: {generated[0] if generated else '?'} requests, {replay}", end="")
    assert " passed" in run.stdout
