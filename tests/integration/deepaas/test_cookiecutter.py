"""A DEEPaaS package written the way the DEEP cookiecutter lays one out, built with ``--env auto``
(one real uv environment per session, with the real deepaas 2.6.0 in it) and served unchanged:

- ``setup.cfg`` + ``setup.py`` built by pbr, from a copy without ``.git``, installs with the
  version ``setup.cfg`` declares;
- ``get_metadata()`` reads the installed distribution (``importlib.metadata`` and
  ``pkg_resources``) and gives no ``description``;
- uploads reach ``predict()`` as DEEPaaS's own ``UploadedFile`` (the model checks isinstance);
- ``train()`` starts processes (a Pool, a Process); cancelling a job, or stopping the server,
  ends them too;
- ``NotImplementedError`` in ``train()`` is a job whose message is the exception's own.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ..cli import run_cli
from .conftest import Server, modelport_deepaas, process_group, training_workers
from .test_environment import in_env

pytestmark = pytest.mark.slow

PACKAGE = Path(__file__).parent / "dpcookie_package"
TRAIN = "/v2/models/dpcookie/train/"
SUMMARY = "Counts the bytes of an uploaded file; trains by squaring numbers in a process pool."


@pytest.fixture(scope="session")
def cookie_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("deepaas-cookie-home")
    result = run_cli("build", str(PACKAGE), "--env", "auto", home=home, timeout=600)
    assert result.code == 0, result.stderr
    return home


@pytest.fixture(scope="module")
def server(cookie_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with modelport_deepaas(cookie_home, tmp_path_factory.mktemp("cookie") / "tmp") as running:
        yield running


def env_python(home: Path) -> Path:
    built = [p for p in (home / "envs").iterdir() if (p / "bin" / "python").exists()]
    assert len(built) == 1, built
    return built[0] / "bin" / "python"


def start_training(server: Server, **params: Any) -> str:
    started = httpx.post(f"{server.url}{TRAIN}", params=params, timeout=30)
    assert started.status_code == 200, started.text
    uuid: str = started.json()["uuid"]
    return uuid


def wait_finished(server: Server, uuid: str) -> dict[str, Any]:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        job: dict[str, Any] = httpx.get(f"{server.url}{TRAIN}{uuid}").json()
        if job["status"] != "running":
            return job
        time.sleep(0.2)
    raise AssertionError(f"training {uuid} still running")


def wait_for_group(worker: int, size: int) -> set[int]:
    """The worker's process group, once it holds ``size`` processes (train() started them)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        members = process_group(worker)
        if len(members) >= size:
            return members
        time.sleep(0.1)
    raise AssertionError(f"the training worker {worker} did not start its pool")


def test_a_pbr_package_installs_with_the_version_setup_cfg_declares(cookie_home: Path) -> None:
    found = in_env(
        env_python(cookie_home),
        "import json, importlib.metadata as m; d = m.metadata('dpcookie'); "
        "print(json.dumps({'version': d['Version'], 'summary': d['Summary'], "
        "'requires': m.requires('dpcookie'), "
        "'entry_points': [e.value for e in m.entry_points(group='deepaas.v2.model')]}))",
    )
    assert found["version"] == "0.3.1"
    assert found["summary"] == SUMMARY
    assert found["requires"][0] == "deepaas==2.6.0"  # pbr read requirements.txt
    assert found["entry_points"] == ["dpcookie.api"]
    for written in ("AUTHORS", "ChangeLog", "dpcookie.egg-info", "build", ".eggs"):
        assert not (PACKAGE / written).exists(), written  # the project folder is untouched
    listed = run_cli("versions", "dpcookie", "--json", home=cookie_home).json()
    assert listed[0]["metadata"]["version"] == "0.3.1"
    assert listed[0]["metadata"]["description"] == SUMMARY  # the registry's, from "summary"


def test_metadata_needs_no_description_and_reads_the_installed_distribution(
    server: Server,
) -> None:
    described = httpx.get(f"{server.url}/v2/models/dpcookie/").json()
    assert "description" not in described
    assert described["id"] == "dpcookie"
    assert described["version"] == "0.3.1"  # pkg_resources.get_distribution("dpcookie")
    assert described["summary"] == SUMMARY  # importlib.metadata.metadata("dpcookie")
    assert described["author-email"] == "tests@example.org"
    assert described["help-train"] == {"numbers": "List", "mode": "String"}
    models = httpx.get(f"{server.url}/v2/models/").json()["models"]
    assert [m["summary"] for m in models] == [SUMMARY]


def test_uploads_are_deepaas_own_uploaded_file(server: Server) -> None:
    answer = httpx.post(
        f"{server.url}/v2/models/dpcookie/predict/",
        files={"image": ("cat.png", b"\x89PNG 12345", "image/png")},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["predictions"] == {
        "bytes": 10,
        "name": "image",
        "original_filename": "cat.png",
        "content_type": "image/png",
        "type": "deepaas.model.v2.wrapper.UploadedFile",
    }
    assert not list(server.tmp.iterdir())


def test_train_may_start_processes(server: Server) -> None:
    uuid = start_training(server, numbers=["2", "3", "4"])
    job = wait_finished(server, uuid)
    assert job["status"] == "done", job
    assert job["result"]["output"] == {
        "squares": [4, 9, 16],
        "child_exitcode": 0,
        "child_was_another_process": True,
        "worker_daemon": False,
    }


@pytest.mark.parametrize(
    ("mode", "message"),
    [("unsupported", ""), ("unsupported-why", "training needs the full dataset")],
)
def test_a_not_implemented_training_reads_its_own_message(
    server: Server, mode: str, message: str
) -> None:
    job = wait_finished(server, start_training(server, mode=mode))
    assert (job["status"], job["message"]) == ("error", message)


def test_cancelling_ends_what_train_started(server: Server) -> None:
    before = training_workers(server)
    uuid = start_training(server, mode="sleep")
    (worker,) = training_workers(server) - before
    assert len(wait_for_group(worker, 3)) == 3  # the worker and its pool of two
    cancelled = httpx.delete(f"{server.url}{TRAIN}{uuid}", timeout=30)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert not process_group(worker)


def test_stopping_the_server_ends_running_trainings(cookie_home: Path, tmp_path: Path) -> None:
    with modelport_deepaas(cookie_home, tmp_path / "first") as first:
        uuid = start_training(first, mode="sleep")
        (worker,) = training_workers(first)
        wait_for_group(worker, 3)
        first.process.send_signal(signal.SIGTERM)
        assert first.process.wait(timeout=30) == 0  # not held up by a non-daemonic worker
        assert not process_group(worker)
        assert not list((cookie_home / "deepaas-training").iterdir())  # the job's copy is gone
    with modelport_deepaas(cookie_home, tmp_path / "second") as second:
        job = httpx.get(f"{second.url}{TRAIN}{uuid}").json()
    assert job["status"] == "error"
    assert "interrupted" in job["message"]
