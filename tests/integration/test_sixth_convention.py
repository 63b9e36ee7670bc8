"""A convention added from outside modelport: one package and one entry-point line.

``sixth_convention/site`` holds an installed package (``greeter_format``, with its dist-info
naming the ``modelport.formats`` entry point), written as another project would write one;
``sixth_convention/hello`` is a model in its convention. Nothing in modelport names it: the
build detects it, and the server mounts its route before the generic protocols."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from modelport.testing.server import ServerProcess, start_server

from .cli import run_cli

HERE = Path(__file__).parent / "sixth_convention"
SITE = HERE / "site"


@pytest.fixture(scope="module")
def greeter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    home = tmp_path_factory.mktemp("home")
    path = os.pathsep.join(filter(None, [str(SITE), os.environ.get("PYTHONPATH")]))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTHONPATH", path)
        hello = str(HERE / "hello")
        options = ["--option", "punctuation=?", "--env", "inherit", "--json"]
        built = run_cli("build", hello, *options, home=home)
    assert built.code == 0, built.stderr
    assert built.json()["version"]["source_format"] == "greeter"
    server = start_server(
        "hello",
        model="hello",
        log_dir=home,
        env={"PYTHONPATH": path, "MODELPORT_HOME": str(home)},
        ready_timeout=120,
    )
    yield server
    server.stop()


def test_its_own_route_answers_through_the_runtime(greeter: ServerProcess) -> None:
    answer = httpx.get(f"{greeter.url}/greet/Ada")
    assert (answer.status_code, answer.text) == (200, "Hello, Ada?")


def test_its_errors_take_its_own_shape(greeter: ServerProcess) -> None:
    answer = httpx.get(f"{greeter.url}/greet/nobody")
    assert answer.status_code == 500
    assert answer.text == "error: LookupError: nobody to greet"


def test_an_option_it_does_not_take_is_refused(tmp_path: Path) -> None:
    path = os.pathsep.join(filter(None, [str(SITE), os.environ.get("PYTHONPATH")]))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTHONPATH", path)
        hello = str(HERE / "hello")
        refused = run_cli("build", hello, "--option", "colour=red", home=tmp_path)
    assert refused.code != 0
    assert "the greeter format has no build option colour" in refused.stderr
    assert "Its build options: punctuation" in refused.stderr


def test_the_generic_protocols_serve_it_too(greeter: ServerProcess) -> None:
    native = httpx.post(f"{greeter.url}/v1/models/hello/predict", json=[{"name": "Bo"}])
    assert native.json() == [{"greeting": "Hello, Bo?"}]
    v2 = httpx.get(f"{greeter.url}/v2/models/hello").json()
    assert [tensor["name"] for tensor in v2["inputs"]] == ["name"]
