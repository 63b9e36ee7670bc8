"""The one composition root wires what it is given into the server it starts: the options into
the runtimes, the app (``--debug`` included) and the log."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from starlette.applications import Starlette

import modelport
from modelport.errors import ConfigError
from modelport.formats.native.python_model import PythonModelServable
from modelport.schema import Field, Signature
from modelport.serving import launch
from modelport.serving.app import AppOptions, create_app
from modelport.serving.conventions import Services
from modelport.serving.exposure import Exposure
from modelport.serving.lanes import CORES_FULL, SPARE_CORES
from modelport.serving.limits import ConnectionLimits
from modelport.serving.models import ModelSet

SIGNATURE = Signature(inputs=[Field("x", float)], outputs=[Field("y", float)])


class Double(modelport.Model):
    def predict(self, batch: np.ndarray) -> np.ndarray:
        return batch[:, 0] * 2


def test_debug_reaches_the_app() -> None:
    assert create_app(ModelSet([]), AppOptions(debug=True)).debug
    assert not create_app(ModelSet([])).debug


def test_the_root_builds_runtimes_app_and_server_from_its_options(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    started: dict[str, Any] = {}

    def run_server(
        app: Starlette,
        models: ModelSet,
        *,
        sock: socket.socket,
        graceful_timeout: float,
        grpc_port: int | None,
        grpc_uds: str | None,
        uvicorn_options: dict[str, Any],
    ) -> None:
        started.update(app=app, models=models, address=sock.getsockname(), grpc=grpc_port)
        started.update(grpc_uds=grpc_uds)
        started.update(graceful_timeout=graceful_timeout, **uvicorn_options)

    monkeypatch.setattr(launch, "run_server", run_server)
    servable = PythonModelServable(Double(), name="double", signature=SIGNATURE)
    options = launch.ServeOptions(
        host="127.0.0.2",
        port=0,
        threads=2,
        timeout=1.5,
        max_body_size=1000,
        max_rows=12,
        debug=True,
        grpc_port=9001,
        graceful_timeout=3.0,
        limits=ConnectionLimits(max_in_flight=3, keep_alive_timeout=2.5),
        exposure=Exposure(allowed_hosts=("models.example",)),
    )
    services = Services(home=tmp_path, registry_uri="sqlite:///elsewhere.db")
    launch.serve([launch.Served(servable, 7)], options, services, banner=["hello", "curl ..."])
    assert started["graceful_timeout"] == 3.0
    assert capsys.readouterr().out == "hello\ncurl ...\n"
    assert started["address"][0] == "127.0.0.2"  # the socket, bound to the options' address
    assert started["grpc"] == 9001
    assert started["grpc_uds"] is None
    assert started["app"].debug
    runtime = started["models"].get("double")
    assert (runtime.version, runtime.timeout, runtime._limiter.total_tokens) == (7, 1.5, 2)
    assert runtime.digest is None
    middleware, exposure, admission = started["app"].user_middleware
    assert middleware.kwargs["max_body_size"] == 1000
    assert middleware.kwargs["max_rows"] == 12
    assert exposure.kwargs == {"exposure": options.exposure, "bound_host": "127.0.0.2"}
    assert admission.kwargs == {"limits": options.limits}
    assert started["timeout_keep_alive"] == 2.5
    assert "ssl_certfile" not in started


def test_a_port_in_use_is_one_error_before_anything_is_printed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr(launch, "run_server", lambda *args, **kwargs: pytest.fail("started"))
    servable = PythonModelServable(Double(), name="double", signature=SIGNATURE)
    services = Services(home=tmp_path, registry_uri="sqlite:///elsewhere.db")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        options = launch.ServeOptions(host="127.0.0.1", port=port)
        with pytest.raises(ConfigError) as refused:
            launch.serve([launch.Served(servable)], options, services, banner=["Serving ..."])
    assert str(refused.value) == (
        f"127.0.0.1:{port} is already in use. Pick another port with --port"
    )
    assert capsys.readouterr().out == ""


def test_under_json_logs_the_banner_is_json_lines_too(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(launch, "run_server", lambda app, models, **kwargs: None)
    servable = PythonModelServable(Double(), name="double", signature=SIGNATURE)
    options = launch.ServeOptions(port=0, log_format="json", log_level="info")
    launch.serve([launch.Served(servable, 7, "sha256:ab")], options, Services(), banner=["hi"])
    out, err = capsys.readouterr()
    assert out == ""
    assert json.loads(err)["message"] == "hi"


@pytest.mark.parametrize(("cores", "workers", "spare"), [(2, 2, False), (2, 1, True), (4, 3, True)])
def test_a_call_on_the_loop_gets_the_budget_of_a_core_to_spare_only_when_there_is_one(
    monkeypatch: pytest.MonkeyPatch, cores: int, workers: int, spare: bool
) -> None:
    """Workers filling every core leave no core for a call in the pool beside the loop: cheap
    calls then stay on the loop for longer (``lanes.CORES_FULL``) than beside an idle core."""
    monkeypatch.setattr(launch, "usable_cores", lambda: cores)
    served = [launch.Served(PythonModelServable(Double(), name="d", signature=SIGNATURE))]
    (runtime,) = launch.model_set(served, launch.ServeOptions(workers=workers)).all()
    assert runtime.inline_limits is (SPARE_CORES if spare else CORES_FULL)
