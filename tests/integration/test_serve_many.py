"""``modelport serve A B`` with models of two environments behind one address, as real
processes on loopback ports: a numpy model built in an environment of its own (no pandas) and
a DataFrame model built in the test's own (``--env inherit``). Each answers every protocol as it
does served alone; ``--max-models 1`` stops the least recently used and loads it again on
demand; a worker killed with SIGKILL fails its in-flight request (REST: a 5xx problem; gRPC:
INTERNAL) while the other model answers, and comes back; the front's /metrics holds its own
requests and every worker's series, its /openapi.json every model's routes (schemathesis,
bounded), and its gRPC port routes by model name, loading on demand; a pipeline whose steps live
in the two environments runs each step in its own (slow: one small uv environment, numpy only,
built once per module)."""

from __future__ import annotations

import concurrent.futures
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import httpx
import numpy as np
import pyarrow as pa
import pytest
import tritonclient.grpc as triton
from prometheus_client.parser import text_string_to_metric_families
from tritonclient.utils import InferenceServerException

from modelport.testing import start_server
from modelport.testing.server import ServerProcess, free_port

from .cli import run_cli
from .test_openapi_fuzz import REJECTIONS, _schemathesis

pytestmark = pytest.mark.slow

DOUBLER = """
import os
import time
from pathlib import Path

import numpy as np

import modelport
from modelport import Field, Signature


class Doubler(modelport.Model):
    def predict(self, batch: np.ndarray) -> np.ndarray:
        if batch[0, 0] < 0:  # a slow call: -x seconds, said in a file as it starts
            Path(os.environ["DOUBLER_SLEEPING"]).touch()
            time.sleep(-batch[0, 0])
        return batch.sum(axis=1) * 2

    def schema(self):
        return Signature(
            inputs=[Field("x", float), Field("y", float)], outputs=[Field("double", float)]
        )
"""

HALVER = """
import numpy as np

import modelport
from modelport import Field, Signature


class Halver(modelport.Model):
    def predict(self, batch: np.ndarray) -> np.ndarray:
        return batch[:, 0] / 2

    def schema(self):
        return Signature(inputs=[Field("sum", float)], outputs=[Field("half", float)])
"""

ADDER = """
import pandas as pd

import modelport
from modelport import Field, Signature


class Adder(modelport.Model):
    def predict(self, frame: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"sum": frame["x"] + frame["y"]})

    def schema(self):
        return Signature(
            inputs=[Field("x", float), Field("y", float)], outputs=[Field("sum", float)]
        )
"""

ROWS = [{"x": 1.0, "y": 2.0}, {"x": 0.5, "y": -4.0}]
V2_BODY = {
    "inputs": [
        {"name": "x", "datatype": "FP64", "shape": [2], "data": [1.0, 0.5]},
        {"name": "y", "datatype": "FP64", "shape": [2], "data": [2.0, -4.0]},
    ]
}


def _project(folder: Path, class_name: str, source: str, requirements: str) -> Path:
    (folder / "main").mkdir(parents=True)
    (folder / "main" / "__init__.py").write_text(f"from .model import {class_name}\n")
    (folder / "main" / "model.py").write_text(source)
    (folder / "main" / "requirements.txt").write_text(requirements)
    return folder


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry with doubler:1 and halver:1 (one environment of their own, numpy without
    pandas), adder:1 (this interpreter's) and the pipeline sum-half (adder -> halver)."""
    home = tmp_path_factory.mktemp("many-home")
    src = tmp_path_factory.mktemp("many-src")
    builds = [
        (_project(src / "doubler", "Doubler", DOUBLER, "numpy\n"), ()),
        (_project(src / "halver", "Halver", HALVER, "numpy\n"), ()),
        (_project(src / "adder", "Adder", ADDER, "pandas\n"), ("--env", "inherit")),
    ]
    for project, options in builds:
        result = run_cli("build", str(project), *options, home=home, timeout=900)
        assert result.code == 0, result.stderr
    made = run_cli(
        "pipeline", "create", "sum-half", "--step", "adder", "--step", "halver", home=home
    )
    assert made.code == 0, made.stderr
    return home


def _serve(
    home: Path, log_dir: Path, *targets: str, options: tuple[str, ...] = ()
) -> ServerProcess:
    first, *others = targets
    environ = {"MODELPORT_HOME": str(home), "DOUBLER_SLEEPING": str(home / "sleeping")}
    return start_server(
        first, serve_options=[*others, *options], log_dir=log_dir, env=environ, ready_timeout=300
    )


def _workers(server: ServerProcess) -> dict[str, int]:
    """The front's worker processes now, by the model each serves."""
    pid = server.process.pid
    found = {}
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        argv = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        if b"--name" in argv:  # not a child between its fork and its exec
            found[argv[argv.index(b"--name") + 1].decode()] = int(child)
    return found


def _interpreter(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode()


def _stopped(server: ServerProcess, workers: dict[str, int]) -> None:
    """SIGTERM stops the front (exit 0) and every worker with it."""
    assert server.stop() == 0, server.output()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in workers.values()):
        assert time.monotonic() < deadline, f"workers left running: {workers}"
        time.sleep(0.05)


def _answers(base: str, models: tuple[str, ...]) -> dict[str, object]:
    """What every protocol answers for ``models`` at ``base``."""
    table = pa.table({"x": [1.0, 0.5], "y": [2.0, -4.0]})
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    arrow = sink.getvalue().to_pybytes()
    answers: dict[str, object] = {}
    with httpx.Client(base_url=base, timeout=30) as client:
        for model in models:
            answers[f"{model} native"] = client.post(
                f"/v1/models/{model}/predict", json=ROWS
            ).json()
            answers[f"{model} kserve"] = client.post(
                f"/v1/models/{model}:predict", json={"instances": ROWS}
            ).json()
            infer = client.post(f"/v2/models/{model}/infer", json=V2_BODY)
            assert infer.status_code == 200, infer.text
            answers[f"{model} v2"] = infer.json()["outputs"]
            answers[f"{model} metadata"] = client.get(f"/v2/models/{model}").json()
            streamed = client.post(
                f"/v1/models/{model}/predict",
                content=arrow,
                headers={
                    "content-type": "application/vnd.apache.arrow.stream",
                    "accept": "application/vnd.apache.arrow.stream",
                },
            )
            answers[f"{model} arrow"] = pa.ipc.open_stream(streamed.content).read_all().to_pylist()
    return answers


@pytest.fixture(scope="module")
def front_grpc_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def front(
    home: Path, tmp_path_factory: pytest.TempPathFactory, front_grpc_port: int
) -> Iterator[ServerProcess]:
    """``modelport serve doubler adder --grpc-port P``, shared by the tests that leave both
    models serving; SIGTERM stops it and its workers at the end."""
    options = ("--grpc-port", str(front_grpc_port))
    server = _serve(home, tmp_path_factory.mktemp("front"), "doubler", "adder", options=options)
    try:
        yield server
    finally:
        _stopped(server, _workers(server))


def test_two_environments_answer_as_each_served_alone(
    front: ServerProcess, home: Path, tmp_path: Path
) -> None:
    alone: dict[str, object] = {}
    for model in ("doubler", "adder"):
        with _serve(home, tmp_path, model) as server:
            alone.update(_answers(server.url, (model,)))

    workers = _workers(front)
    interpreters = {name: _interpreter(pid) for name, pid in workers.items()}
    together = _answers(front.url, ("doubler", "adder"))
    index = httpx.post(f"{front.url}/v2/repository/index", json={}, timeout=10).json()
    unknown = httpx.post(f"{front.url}/v1/models/nope/predict", json=ROWS, timeout=10)

    assert together == alone
    assert together["doubler native"] == [{"double": 6.0}, {"double": -7.0}]
    assert together["adder native"] == [{"sum": 3.0}, {"sum": -3.5}]
    assert interpreters["adder"] == sys.executable  # built with --env inherit
    assert interpreters["doubler"] != sys.executable  # its own environment
    assert [entry["name"] for entry in index] == ["doubler", "adder"]
    assert {entry["state"] for entry in index} == {"READY"}
    assert unknown.status_code == 404
    assert "doubler, adder" in unknown.json()["detail"]


ANSWERS = {
    "doubler": [{"double": 6.0}, {"double": -7.0}],
    "adder": [{"sum": 3.0}, {"sum": -3.5}],
}


@pytest.mark.parametrize("bound", [("--max-models", "1"), ("--max-models-memory", "1MiB")])
def test_a_bound_stops_the_least_recently_used_and_loads_it_again(
    home: Path, tmp_path: Path, bound: tuple[str, str]
) -> None:
    """One model at a time: with --max-models 1 the first loads at start; with a memory bound
    both do, and the second's start stops the first."""
    server = _serve(home, tmp_path, "doubler", "adder", options=bound)
    with server:
        url = server.url
        [running] = _workers(server)
        [other] = set(ANSWERS) - {running}
        answer = httpx.post(f"{url}/v1/models/{other}/predict", json=ROWS, timeout=60)
        assert answer.json() == ANSWERS[other]
        assert set(_workers(server)) == {other}
        index = httpx.post(f"{url}/v2/repository/index", json={}, timeout=10).json()
        states = {entry["name"]: entry["state"] for entry in index}
        assert states == {running: "UNAVAILABLE", other: "READY"}
        with concurrent.futures.ThreadPoolExecutor(4) as pool:  # all wait for one load
            calls = [
                pool.submit(httpx.post, f"{url}/v1/models/{running}/predict", json=ROWS, timeout=60)
                for _ in range(4)
            ]
            answers = [call.result() for call in calls]
        assert [a.json() for a in answers] == [ANSWERS[running]] * 4
        workers = _workers(server)
        assert set(workers) == {running}
        log = server.output()
    _stopped(server, workers)
    assert log.count(f"{running}: starting its worker") == 2
    assert f"{other}: least recently used, its worker stops" in log


def test_a_killed_worker_fails_its_request_and_comes_back(front: ServerProcess, home: Path) -> None:
    url = front.url
    workers = _workers(front)
    (home / "sleeping").unlink(missing_ok=True)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        slow = pool.submit(
            httpx.post, f"{url}/v1/models/doubler/predict", json=[{"x": -30.0, "y": 0}], timeout=60
        )
        while not (home / "sleeping").exists():  # until the slow call is in the worker
            assert slow.running(), slow.result()
            time.sleep(0.02)
        os.kill(workers["doubler"], signal.SIGKILL)
        failed = slow.result()
    added = httpx.post(f"{url}/v1/models/adder/predict", json=ROWS, timeout=10)
    deadline = time.monotonic() + 30
    while _workers(front).get("doubler") in (None, workers["doubler"]):
        assert time.monotonic() < deadline, front.output()
        time.sleep(0.05)
    doubled = httpx.post(f"{url}/v1/models/doubler/predict", json=ROWS, timeout=30)

    assert failed.status_code == 500
    assert failed.headers["content-type"] == "application/problem+json"
    assert "killed by SIGKILL" in failed.json()["detail"]
    assert added.json() == [{"sum": 3.0}, {"sum": -3.5}]
    assert _workers(front)["adder"] == workers["adder"]  # the other model served on
    assert doubled.json() == [{"double": 6.0}, {"double": -7.0}]
    assert "doubler: its worker died (killed by SIGKILL); starting it again" in front.output()


@pytest.fixture
def pipeline_server(home: Path, tmp_path: Path) -> Iterator[ServerProcess]:
    with _serve(home, tmp_path, "sum-half") as server:
        yield server


def test_a_pipeline_runs_each_step_in_its_own_environment(
    pipeline_server: ServerProcess,
) -> None:
    url = pipeline_server.url
    answer = httpx.post(f"{url}/v1/models/sum-half/predict", json=ROWS, timeout=30)
    frame = httpx.post(
        f"{url}/pipelines/sum-half",
        json=ROWS,
        headers={"content-type": "application/json; format=pandas-records"},
        timeout=30,
    )
    workers = _workers(pipeline_server)
    assert answer.json() == [{"half": 1.5}, {"half": -1.75}]
    assert [row["out"] for row in frame.json()] == [{"half": 1.5}, {"half": -1.75}]
    assert set(workers) == {"halver"}  # adder, of this environment, runs in the front
    assert _interpreter(workers["halver"]) != sys.executable
    _stopped(pipeline_server, workers)


def test_a_pipeline_among_several_targets_is_refused(home: Path) -> None:
    result = run_cli("serve", "doubler", "sum-half", "--port", str(free_port()), home=home)
    assert result.code == 1
    assert "sum-half is a pipeline, which serves alone" in result.stderr


def _requests(text: str) -> dict[tuple[tuple[str, str], ...], float]:
    """``modelport_requests_total``'s series in a scrape, by their labels."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "modelport_requests_total":
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def test_metrics_merge_the_fronts_requests_with_every_workers(front: ServerProcess) -> None:
    url = front.url
    before = _requests(httpx.get(f"{url}/metrics", timeout=10).text)
    answered = httpx.post(f"{url}/v1/models/doubler/predict", json=ROWS, timeout=10)
    scrape = httpx.get(f"{url}/metrics", timeout=10)
    after = _requests(scrape.text)
    families = {family.name: family for family in text_string_to_metric_families(scrape.text)}

    front_series = (("model", "doubler"), ("route", "forwarded"), ("status", "200"))
    worker_series = (
        ("model", "doubler"),
        ("route", "/v1/models/{name}/predict"),
        ("status", "200"),
        ("worker", "doubler"),
    )
    assert answered.status_code == 200
    assert scrape.headers["content-type"].startswith("text/plain")
    assert after[front_series] == before.get(front_series, 0) + 1
    assert after[worker_series] == before.get(worker_series, 0) + 1
    infos = {
        (s.labels["name"], s.labels["worker"]) for s in families["modelport_model_info"].samples
    }
    assert infos == {("doubler", "doubler"), ("adder", "adder")}
    memory = families["process_resident_memory_bytes"].samples
    assert {s.labels.get("worker") for s in memory} == {None, "doubler", "adder"}
    assert families["modelport_front_workers_scraped"].samples[0].value == 2


def test_openapi_describes_every_models_routes(front: ServerProcess, tmp_path: Path) -> None:
    """The merged document lists both models' routes, Swagger UI shows it, and schemathesis
    (bounded) finds every answer as the document says; the doubler's predictions are left out
    of the fuzzing (a negative x makes it sleep, for the test of a killed worker)."""
    url = front.url
    document = httpx.get(f"{url}/openapi.json", timeout=30).json()
    page = httpx.get(f"{url}/docs", timeout=10)
    paths = document["paths"]
    for model in ("doubler", "adder"):
        for path in (f"/v1/models/{model}/predict", f"/v2/models/{model}/infer"):
            assert "post" in paths[path], path
        assert f"{model}.Input" in document["components"]["schemas"]
    names = paths["/v2/models/{name}"]["get"]["parameters"][0]["schema"]["enum"]
    assert sorted(names) == ["adder", "doubler"]
    assert "/v2/repository/index" in paths
    assert "/metrics" in paths
    assert page.status_code == 200
    assert "swagger-ui" in page.text
    _schemathesis(url, "/openapi.json", REJECTIONS, tmp_path, ("--exclude-path-regex", "doubler"))


def _infer_inputs(columns: dict[str, list[float]]) -> list[triton.InferInput]:
    inputs = []
    for name, values in columns.items():
        tensor = triton.InferInput(name, [len(values)], "FP64")
        tensor.set_data_from_numpy(np.array(values, dtype=np.float64))
        inputs.append(tensor)
    return inputs


def test_grpc_routes_by_model_name_and_loads_on_demand(home: Path, tmp_path: Path) -> None:
    """``--grpc-port`` with ``--max-models 1``: the adder (this environment) is not running
    when its first call comes, and starts for it; the doubler (its own environment) stops to
    make room, and starts again for its next call; an unknown model is NOT_FOUND."""
    grpc_port = free_port()
    options = ("--grpc-port", str(grpc_port), "--max-models", "1")
    server = _serve(home, tmp_path, "doubler", "adder", options=options)
    with server:
        client = triton.InferenceServerClient(f"127.0.0.1:{grpc_port}")
        live, ready = client.is_server_live(), client.is_server_ready()
        running_first = set(_workers(server))
        inputs = _infer_inputs({"x": [1.0, 0.5], "y": [2.0, -4.0]})
        added = client.infer("adder", inputs).as_numpy("sum")
        adder_python = _interpreter(_workers(server)["adder"])
        metadata = client.get_model_metadata("adder")
        doubled = client.infer("doubler", inputs).as_numpy("double")
        doubler_python = _interpreter(_workers(server)["doubler"])
        with pytest.raises(InferenceServerException) as unknown:
            client.infer("nope", inputs)
        with pytest.raises(InferenceServerException) as invalid:
            client.infer("adder", _infer_inputs({"x": [1.0]}))
        with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
            infer = channel.unary_unary("/inference.GRPCInferenceService/ModelInfer")
            with pytest.raises(grpc.RpcError) as garbled:
                infer(b"\xff\xff\xff", timeout=10)
        scrape = httpx.get(f"{server.url}/metrics", timeout=10).text
        client.close()
        log = server.output()
        workers = _workers(server)
    _stopped(server, workers)

    assert live and ready
    assert running_first == {"doubler"}
    assert added.tolist() == [3.0, -3.5]
    assert doubled.tolist() == [6.0, -7.0]
    assert adder_python == sys.executable  # built with --env inherit
    assert doubler_python != sys.executable  # its own environment
    assert metadata.name == "adder"
    assert [tensor.name for tensor in metadata.inputs] == ["x", "y"]
    assert "StatusCode.NOT_FOUND" in str(unknown.value.status())
    assert "no model named 'nope'" in str(unknown.value.message())
    assert "StatusCode.INVALID_ARGUMENT" in str(invalid.value.status())
    assert garbled.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "not a ModelInferRequest message" in str(garbled.value.details())
    assert log.count("doubler: starting its worker") == 2
    assert log.count("adder: starting its worker") == 2  # and again for the invalid call
    front_calls = _requests(scrape)
    assert front_calls[(("model", "adder"), ("route", "grpc:ModelInfer"), ("status", "200"))] == 1
    assert (
        front_calls[(("model", "(unknown)"), ("route", "grpc:ModelInfer"), ("status", "404"))] == 1
    )


def test_a_killed_worker_fails_its_grpc_call_and_comes_back(
    front: ServerProcess, front_grpc_port: int, home: Path
) -> None:
    workers = _workers(front)
    (home / "sleeping").unlink(missing_ok=True)
    client = triton.InferenceServerClient(f"127.0.0.1:{front_grpc_port}")
    slow_inputs = _infer_inputs({"x": [-30.0], "y": [0.0]})
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        slow = pool.submit(client.infer, "doubler", slow_inputs)
        while not (home / "sleeping").exists():  # until the slow call is in the worker
            assert slow.running(), slow.result()
            time.sleep(0.02)
        os.kill(workers["doubler"], signal.SIGKILL)
        with pytest.raises(InferenceServerException) as failed:
            slow.result(timeout=30)
    added = client.infer("adder", _infer_inputs({"x": [1.0], "y": [2.0]})).as_numpy("sum")
    doubled = client.infer("doubler", _infer_inputs({"x": [1.0], "y": [2.0]})).as_numpy("double")
    client.close()

    assert "StatusCode.INTERNAL" in str(failed.value.status())
    assert "the worker of model doubler ended during this call (killed by SIGKILL)" in str(
        failed.value.message()
    )
    assert added.tolist() == [3.0]
    assert _workers(front)["adder"] == workers["adder"]  # the other model served on
    assert doubled.tolist() == [6.0]
    assert _workers(front)["doubler"] != workers["doubler"]


def test_a_grpc_answer_over_4mib_passes_the_front(
    front: ServerProcess, front_grpc_port: int
) -> None:
    """gRPC's default bound on a message received is 4 MiB: the front's channel to a worker
    lifts it, as the worker's own server sends any size."""
    rows = 600_000  # 4.8 MB of FP64 sums
    client = triton.InferenceServerClient(f"127.0.0.1:{front_grpc_port}")
    inputs = _infer_inputs({"x": [1.0] * rows, "y": [2.0] * rows})
    summed = client.infer("adder", inputs).as_numpy("sum")
    client.close()
    assert summed.shape == (rows,)
    assert summed[0] == summed[-1] == 3.0
