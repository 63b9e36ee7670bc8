"""A secret value pasted into config.yaml: dropped with a warning at build time (the packaged
config.yaml has null), in no file modelport writes, and never used as the secret when served."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from starlette.testclient import TestClient

from modelport.registry.uris import open_store
from modelport.serving.runtime import ModelRuntime
from modelport.settings import Settings

from ..cli import Result, run_cli
from .conftest import serving

PASTED = "PASTEDVALUE123"
"""The value trusses/pasted_secret/config.yaml gives secret ``tok``."""


@pytest.fixture(scope="module")
def build(truss_home: Path, truss_sources: Path) -> Result:
    folder = truss_sources / "pasted_secret"
    assert PASTED in (folder / "config.yaml").read_text()
    result = run_cli("build", str(folder), "--env", "inherit", home=truss_home)
    assert result.code == 0, result.stderr
    return result


_SCAN = """
import sys, zipfile
from pathlib import Path
home, value = Path(sys.argv[1]), sys.argv[2].encode()
for path in sorted(p for p in home.rglob("*") if p.is_file()):
    if value in path.read_bytes():
        print(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if value in archive.read(member):
                    print(f"{path}!{member}")
"""
"""Lists the files under a folder, and members of the ZIPs there (artifacts compress), holding
a value. Run as its own process: closing a file this process opened on the registry's SQLite
database would drop the locks its open connections hold (POSIX locks are per process)."""


def _files_holding(home: Path, value: str) -> list[str]:
    scan = subprocess.run(
        [sys.executable, "-c", _SCAN, str(home), value],
        capture_output=True,
        text=True,
        check=True,
    )
    return scan.stdout.split()


def test_the_build_warns_that_the_value_was_dropped_without_printing_it(build: Result) -> None:
    output = build.stdout + build.stderr
    assert "warning: config.yaml gives a value for secret 'tok'" in output
    assert "the value was dropped" in output
    assert "modelport secret set tok" in output
    assert "'other'" not in output, "a null placeholder is no cause to warn"
    assert PASTED not in output


def test_the_value_is_in_neither_the_artifact_nor_the_registry(
    build: Result, truss_home: Path, truss_sources: Path
) -> None:
    assert _files_holding(truss_sources / "pasted_secret", PASTED), "the scan finds the source"
    store = open_store(None, settings=Settings(home=truss_home))
    version = store.resolve("truss-pasted-secret")
    artifact = store.artifact_path(version)
    with zipfile.ZipFile(artifact) as archive:
        packaged = yaml.safe_load(archive.read("src/config.yaml"))
    assert packaged == {
        "model_name": "truss-pasted-secret",
        "secrets": {"tok": None, "other": None},
    }
    assert PASTED not in str(version.metadata)
    assert PASTED.encode() not in artifact.read_bytes()
    assert _files_holding(truss_home, PASTED) == []


@pytest.fixture(scope="module")
def client(
    build: Result, truss_home: Path, runtime_of: Callable[..., ModelRuntime]
) -> Iterator[TestClient]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MODELPORT_HOME", str(truss_home))
        patch.setenv("MODELPORT_SECRETS_DIR", str(truss_home / "no-secrets-here"))
        patch.delenv("TRUSS_SECRET_tok", raising=False)
        with serving(runtime_of("pasted_secret")) as client:
            yield client


def test_the_served_model_never_gets_the_pasted_value(client: TestClient) -> None:
    answer = client.post("/v1/models/truss-pasted-secret:predict", json={})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"config_secrets": {"tok": None, "other": None}, "tok": None}
