"""The ``modelport`` command in-process (typer's CliRunner), on a registry of the test's own."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from modelport.cli.context import STATE
from modelport.cli.main import app
from modelport.registry import ModelVersion, open_store
from modelport.registry.blobs import sha256_file
from modelport.settings import Settings

Invoke = Callable[..., Result]
Register = Callable[..., ModelVersion]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("MODELPORT_HOME", str(home))
    monkeypatch.delenv("MODELPORT_REGISTRY_URI", raising=False)
    monkeypatch.delenv("MODELPORT_WORKSPACE", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    return home


@pytest.fixture
def invoke(home: Path) -> Iterator[Invoke]:
    """``modelport ARGS`` in this process; a ModelportError is left in ``result.exception``."""
    runner = CliRunner()

    def call(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input)

    yield call
    STATE.begin(debug=False, registry_uri=None)  # closes the store the commands opened


@pytest.fixture
def register(home: Path, tmp_path: Path) -> Iterator[Register]:
    """Register a version of a model straight into the home's registry (a real zip artifact,
    not a loadable model: for the commands that only read and change the registry)."""
    with open_store(None, settings=Settings(home=home)) as store:

        def add(name: str, content: str) -> ModelVersion:
            artifact = tmp_path / f"{name}-{abs(hash(content))}.zip"
            with zipfile.ZipFile(artifact, "w") as archive:
                archive.writestr(zipfile.ZipInfo("modelport.yaml"), f"name: {name}\n")
                archive.writestr(zipfile.ZipInfo("model.bin"), content.encode())
            version, _ = store.register_version(
                name=name,
                artifact=artifact,
                digest=sha256_file(artifact),
                signature={"inputs": [{"name": "x", "type": "double"}]},
                metadata={},
                lineage={},
                build={},
                source_format="native",
                description=f"the {name} model",
            )
            return version

        yield add
