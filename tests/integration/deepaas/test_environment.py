"""A DEEPaaS package built into an environment of its own (``--env auto``, one real uv
environment per session): the package is pip-installed there with its dependencies (webargs 5.5,
marshmallow 3 and inflection, none of them what the test interpreter has), each entry point is a
model of its own, and modelport's argument handling works with DEEPaaS 2.x's webargs 5.5."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from modelport.testing import free_port

from ..cli import run_cli
from .conftest import PACKAGE as DPTEST
from .conftest import Server, modelport_deepaas, serving

pytestmark = pytest.mark.slow

PACKAGE = Path(__file__).parent / "dplegacy_package"
MODELS = {"dplegacy", "dplegacy-camel"}
PREDICT = "/v2/models/dplegacy/predict/"


@pytest.fixture(scope="session")
def legacy_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry holding the webargs 5.5 package, built in its own environment."""
    home = tmp_path_factory.mktemp("deepaas-env-home")
    result = run_cli("build", str(PACKAGE), "--env", "auto", home=home, timeout=600)
    assert result.code == 0, result.stderr
    return home


@pytest.fixture(scope="session")
def env_python(legacy_home: Path) -> Path:
    built = [p for p in (legacy_home / "envs").iterdir() if (p / "bin" / "python").exists()]
    assert len(built) == 1, built
    return built[0] / "bin" / "python"


def in_env(python: Path, code: str) -> Any:
    """What ``code`` (run by the model environment's interpreter) prints, as JSON."""
    completed = subprocess.run(
        [str(python), "-W", "ignore", "-c", code], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


@pytest.fixture(scope="module")
def all_models(legacy_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with modelport_deepaas(legacy_home, tmp_path_factory.mktemp("env-all") / "tmp") as server:
        yield server


def test_each_entry_point_is_a_registered_model(legacy_home: Path) -> None:
    listed = run_cli("models", "list", "--json", home=legacy_home)
    assert listed.code == 0, listed.stderr
    assert {m["name"] for m in listed.json()} == MODELS
    assert not list(PACKAGE.glob("*.egg-info")) and not (PACKAGE / "build").exists()


def test_the_package_and_its_dependencies_are_installed(env_python: Path) -> None:
    found = in_env(
        env_python,
        "import json, importlib.metadata as m; print(json.dumps({"
        "'versions': {d: m.version(d) for d in ('dplegacy', 'webargs', 'inflection')},"
        "'entry_points': sorted(e.name for e in m.entry_points(group='deepaas.v2.model'))}))",
    )
    assert found["versions"] == {"dplegacy": "0.1.0", "webargs": "5.5.3", "inflection": "0.5.1"}
    assert found["entry_points"] == ["Dplegacy_Camel", "dplegacy"]
    with pytest.raises(ModuleNotFoundError):
        __import__("inflection")  # the test interpreter does not have it


def test_arguments_of_webargs_5_5_fields(env_python: Path) -> None:
    found = in_env(
        env_python,
        "import json, marshmallow, webargs\n"
        "from dplegacy import api\n"
        "from modelport.formats.deepaas.arguments import Arguments, InvalidArguments\n"
        "from modelport.formats.deepaas.openapi import parameters\n"
        "arguments = Arguments.declared(api.get_predict_args(), function='get_predict_args')\n"
        "try:\n"
        "    arguments.parse({'style': 'loud', 'times': '9'})\n"
        "except InvalidArguments as exc:\n"
        "    errors = exc.messages\n"
        "parsed = arguments.parse({'word': 'cat', 'tags': ['a', 'b']})\n"
        "print(json.dumps({'marshmallow': marshmallow.__version__,"
        " 'webargs': webargs.__version__, 'errors': errors, 'parsed': parsed,"
        " 'files': sorted(arguments.file_names), 'parameters': parameters(arguments)}))",
    )
    assert found["webargs"] == "5.5.3" and found["marshmallow"].startswith("3.")
    assert found["errors"] == {
        "word": ["Missing data for required field."],
        "style": ["Must be one of: plural, singular."],
        "times": ["Must be greater than or equal to 1 and less than or equal to 3."],
    }
    assert found["parsed"] == {
        "word": "cat",
        "style": "plural",
        "times": 1,
        "tags": ["a", "b"],
        "data": None,
    }
    assert found["files"] == ["data"]
    by_name = {p["name"]: p for p in found["parameters"]}
    assert by_name["word"] == {
        "name": "word",
        "required": True,
        "in": "query",
        "type": "string",
        "description": "The word to inflect",
    }
    assert by_name["style"]["enum"] == ["plural", "singular"]
    assert by_name["style"]["default"] == "plural"
    assert by_name["times"] | {"minimum": 1, "maximum": 3} == by_name["times"]
    assert by_name["data"]["in"] == "formData" and by_name["data"]["type"] == "file"


def test_serve_deepaas_serves_every_entry_point(all_models: Server) -> None:
    models = httpx.get(f"{all_models.url}/v2/models/").json()["models"]
    assert {m["id"] for m in models} == {"dplegacy", "Dplegacy_Camel"}
    answer = httpx.post(
        f"{all_models.url}{PREDICT}",
        params=[("word", "mouse"), ("times", "2"), ("tags", "x"), ("tags", "y")],
        files={"data": ("blob.bin", b"12345", "application/octet-stream")},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "status": "OK",
        "predictions": {
            "words": ["mice", "mice"],
            "tags": ["x", "y"],
            "file_size": 5,
            "webargs": "5.5.3",
        },
    }
    missing = httpx.post(f"{all_models.url}{PREDICT}", data={"style": "singular"})
    assert missing.status_code == 422
    assert missing.json() == {"word": ["Missing data for required field."]}
    assert not list(all_models.tmp.iterdir())


def test_serve_name_serves_that_entry_point(legacy_home: Path, tmp_path: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "modelport", "serve", "dplegacy-camel", "--port", str(port)]
    env = {"MODELPORT_HOME": str(legacy_home)}
    with serving(command, env, tmp_path / "tmp", port) as server:
        models = httpx.get(f"{server.url}/v2/models/").json()["models"]
        answer = httpx.post(
            f"{server.url}/v2/models/dplegacy-camel/predict/", params={"word": "big_model"}
        )
    assert [m["id"] for m in models] == ["dplegacy-camel"]  # plain serve: the registry name
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"status": "OK", "predictions": "BigModel"}


def test_models_of_different_environments_are_served_apart(
    legacy_home: Path, tmp_path: Path
) -> None:
    """Last in this module: it adds the inherit-built test package to the shared registry."""
    assert run_cli("build", str(DPTEST), "--env", "inherit", home=legacy_home).code == 0
    mixed = run_cli("serve", "--deepaas", home=legacy_home)
    assert mixed.code != 0
    assert "built in different environments" in mixed.stderr
    assert "serve --deepaas NAME" in mixed.stderr
    with modelport_deepaas(legacy_home, tmp_path / "tmp", "Dplegacy_Camel", "dplegacy") as server:
        models = httpx.get(f"{server.url}/v2/models/").json()["models"]
    assert {m["id"] for m in models} == {"Dplegacy_Camel", "dplegacy"}
