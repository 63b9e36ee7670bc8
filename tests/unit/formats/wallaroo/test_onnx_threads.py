"""onnxruntime sessions take their threads from the server's settings: ``--threads`` bounded by
the cores with one worker, one thread in each of several forked workers; outside a server (a
build's check, a notebook) onnxruntime keeps its default. Checked on the session itself, through
the one composition root that serves (``launch.serve``), with the model still answering."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from modelport.batch import Batch
from modelport.formats.wallaroo.onnx_model import OnnxServable, graph_signature, open_session
from modelport.serving import launch
from modelport.serving.conventions import Services
from modelport.serving.models import ModelSet

pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")

CORES = len(os.sched_getaffinity(0))


@pytest.fixture(scope="module")
def add_one(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A graph of one Add node: ``y = x + 1`` on float rows of one value."""
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 1])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 1])
    one = helper.make_tensor("one", TensorProto.FLOAT, [1], [1.0])
    node = helper.make_node("Add", ["x", "one"], ["y"])
    graph = helper.make_graph([node], "add_one", [x], [y], [one])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8  # what every onnxruntime of the last years reads
    path = tmp_path_factory.mktemp("onnx-threads") / "add_one.onnx"
    onnx.save(model, str(path))
    return path


def servable(path: Path) -> OnnxServable:
    signature = graph_signature(open_session(path))
    return OnnxServable(path, name="add-one", signature=signature, metadata={})


def pool(session: Any) -> tuple[int, int, str]:
    """A session's intra-op and inter-op threads, and whether its pool spins between runs."""
    options = session.get_session_options()
    spinning = options.get_session_config_entry("session.intra_op.allow_spinning")
    return options.intra_op_num_threads, options.inter_op_num_threads, spinning


def test_a_session_outside_a_server_keeps_onnxruntimes_default(add_one: Path) -> None:
    model = servable(add_one)
    model.load()
    assert model.session.get_session_options().intra_op_num_threads == 0  # one per core


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_the_kernel_threads_size_the_sessions_pool(add_one: Path, threads: int) -> None:
    model = servable(add_one)
    model.kernel_threads = threads
    model.load()
    assert pool(model.session) == (threads, 1, "0")
    answer = model.predict(Batch.from_table(pa.table({"x": [[1.0], [2.5]]})))
    assert np.asarray(answer["y"].to_pylist()).ravel().tolist() == [2.0, 3.5]


def serve_and_load(
    monkeypatch: pytest.MonkeyPatch, model: OnnxServable, options: launch.ServeOptions
) -> None:
    """``launch.serve`` with the server (or the pool's supervisor) replaced by loading the
    models, as either does before it answers."""

    def run_server(app: Any, models: ModelSet, **kwargs: Any) -> None:
        for runtime in models:
            runtime.load()

    class Supervisor:
        def __init__(self, app: Any, models: ModelSet, sock: socket.socket, pool: Any) -> None:
            self.models = models

        def run(self) -> None:
            run_server(None, self.models)

    import modelport.serving.workers as workers

    monkeypatch.setattr(launch, "run_server", run_server)
    monkeypatch.setattr(workers, "Supervisor", Supervisor)
    launch.serve([launch.Served(model)], options, Services())


@pytest.mark.parametrize("threads", [1, 2, 8])
def test_one_worker_gives_the_session_threads_up_to_the_cores(
    monkeypatch: pytest.MonkeyPatch, add_one: Path, threads: int
) -> None:
    model = servable(add_one)
    serve_and_load(monkeypatch, model, launch.ServeOptions(port=0, threads=threads, workers=1))
    assert pool(model.session) == (min(threads, CORES), 1, "0")


def test_each_of_several_workers_gets_one_thread(
    monkeypatch: pytest.MonkeyPatch, add_one: Path
) -> None:
    model = servable(add_one)
    serve_and_load(monkeypatch, model, launch.ServeOptions(port=0, threads=4, workers=3))
    assert pool(model.session) == (1, 1, "0")


def test_a_forked_single_worker_gets_one_thread_too(
    monkeypatch: pytest.MonkeyPatch, add_one: Path
) -> None:
    model = servable(add_one)
    options = launch.ServeOptions(port=0, threads=4, workers=1, max_worker_memory=2**31)
    serve_and_load(monkeypatch, model, options)
    assert pool(model.session) == (1, 1, "0")
