"""Model environments built with the real uv (network to PyPI; uv's cache keeps it quick)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import modelport
from modelport.builder.environment import (
    MARKER,
    Environment,
    ModelportInstall,
    inherit_environment,
    prepare_environment,
)
from modelport.errors import BuildFailed

SOURCE = Path("main/requirements.txt")


@pytest.fixture(scope="module")
def envs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("envs")


@pytest.fixture(scope="module")
def built(envs_dir: Path) -> tuple[Environment, list[str]]:
    """One environment with six==1.16.0, and the progress lines its build showed."""
    lines: list[str] = []
    env = prepare_environment(
        ["six==1.16.0"], envs_dir=envs_dir, source=SOURCE, progress=lines.append
    )
    return env, lines


def run(python: Path, code: str) -> str:
    result = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    return result.stdout.strip()


@pytest.mark.slow
def test_the_venv_has_the_requirements_and_modelport(
    built: tuple[Environment, list[str]], envs_dir: Path
) -> None:
    env, _ = built
    assert env.root.parent == envs_dir
    assert env.python != Path(sys.executable)
    out = run(
        env.python, "import six, modelport; print(six.__version__); print(modelport.__file__)"
    )
    six_version, modelport_file = out.splitlines()
    assert six_version == "1.16.0"
    # a copy of the files this test runs from, not a link to the checkout (which may move)
    assert Path(modelport_file).is_relative_to(env.root)
    source = Path(modelport.__file__).parent
    for relative in ("servable.py", "serving/app.py", "formats/truss/codec.py"):
        assert (Path(modelport_file).parent / relative).read_bytes() == (
            source / relative
        ).read_bytes()
    for pth in env.root.glob("lib/*/site-packages/*.pth"):
        assert str(source.parent) not in pth.read_text()
    marker = json.loads((env.root / MARKER).read_text())
    assert marker["digest"] == ModelportInstall.current().digest


@pytest.mark.slow
def test_scripts_work_after_the_venv_was_renamed_into_place(
    built: tuple[Environment, list[str]],
) -> None:
    env, _ = built
    pytest_script = env.python.parent / "pytest"
    result = subprocess.run([str(pytest_script), "--version"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "pytest" in result.stdout + result.stderr


@pytest.mark.slow
def test_the_lock_pins_everything_installed(built: tuple[Environment, list[str]]) -> None:
    env, lines = built
    assert "six==1.16.0" in env.lock
    assert any(line.startswith("pandas==") for line in env.lock)  # modelport's own requirement
    assert all("==" in line for line in env.lock)
    assert env.lock_hash == hashlib.sha256("\n".join(env.lock).encode()).hexdigest()
    assert env.python_version == ".".join(map(str, sys.version_info[:3]))
    assert not env.reused
    assert lines[0].startswith("resolving 1 requirement ")
    assert f"installing {len(env.lock)} packages" in lines


@pytest.mark.slow
def test_the_same_requirements_reuse_the_environment(
    built: tuple[Environment, list[str]], envs_dir: Path
) -> None:
    first, _ = built
    lines: list[str] = []
    again = prepare_environment(["six==1.16.0"], envs_dir=envs_dir, progress=lines.append)
    assert again.reused
    assert again.python == first.python
    assert again.lock == first.lock
    assert lines == [
        "using the cached resolution of 1 requirement",
        f"reusing environment {first.root.name}",
    ]


@pytest.mark.slow
def test_other_requirements_built_concurrently_give_one_other_environment(
    built: tuple[Environment, list[str]], envs_dir: Path
) -> None:
    first, _ = built
    with ThreadPoolExecutor(2) as pool:
        futures = [
            pool.submit(prepare_environment, ["six==1.15.0"], envs_dir=envs_dir) for _ in range(2)
        ]
        one, two = (future.result() for future in futures)
    assert one.python == two.python != first.python
    assert "six==1.15.0" in one.lock
    assert not (one.reused and two.reused)  # at least one of them built it
    assert run(one.python, "import six; print(six.__version__)") == "1.15.0"
    leftovers = [p.name for p in envs_dir.iterdir() if p.name.startswith(".")]
    assert leftovers == []


@pytest.mark.slow
def test_an_unresolvable_requirement_fails_naming_it_and_the_file(envs_dir: Path) -> None:
    with pytest.raises(BuildFailed) as caught:
        prepare_environment(
            ["modelport-no-such-package-xyz==1.0"], envs_dir=envs_dir, source=SOURCE
        )
    message = str(caught.value)
    assert "could not resolve the requirements of main/requirements.txt" in message
    assert "modelport-no-such-package-xyz" in message
    assert caught.value.field == str(SOURCE)


def test_inherit_uses_the_running_interpreter_as_it_is() -> None:
    env = inherit_environment()
    assert env.python == Path(sys.executable)
    assert env.reused
    assert f"modelport=={modelport.__version__}" in env.lock
    assert any(line.startswith("pytest==") for line in env.lock)
    assert env.lock == sorted(env.lock)


def _wheel(folder: Path, version: str) -> Path:
    """A pure-Python wheel of ``modelport-probe`` at ``version`` (its module says its version)."""
    import base64
    import zipfile

    files = {
        "modelport_probe.py": f"VERSION = {version!r}\n",
        f"modelport_probe-{version}.dist-info/METADATA": (
            f"Metadata-Version: 2.1\nName: modelport-probe\nVersion: {version}\n"
        ),
        f"modelport_probe-{version}.dist-info/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = []
    for name, text in files.items():
        digest = hashlib.sha256(text.encode()).digest()
        encoded = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        record.append(f"{name},sha256={encoded},{len(text.encode())}")
    record.append(f"modelport_probe-{version}.dist-info/RECORD,,")
    files[f"modelport_probe-{version}.dist-info/RECORD"] = "\n".join(record) + "\n"
    path = folder / f"modelport_probe-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for name, text in files.items():
            wheel.writestr(name, text)
    return path


@pytest.mark.slow
def test_a_pin_gone_from_the_index_before_the_install_is_resolved_again(
    tmp_path: Path, envs_dir: Path
) -> None:
    """The release the resolution chose is deleted before the install runs (a pruned mirror, a
    yanked release under a cached lock): the build resolves afresh, installs the release that is
    there, and keeps that lock, so the next build does not meet the missing pin again."""
    links = tmp_path / "wheels"
    links.mkdir()
    _wheel(links, "1.0")
    newest = _wheel(links, "1.1")
    lines: list[str] = []

    def progress(line: str) -> None:
        lines.append(line)
        if line.startswith("installing ") and newest.exists():
            newest.unlink()  # the index changes between the resolution and the install

    options = [f"--find-links {links}"]
    env = prepare_environment(
        ["modelport-probe"], envs_dir=envs_dir, options=options, source=SOURCE, progress=progress
    )
    assert "modelport-probe==1.0" in env.lock
    assert run(env.python, "import modelport_probe; print(modelport_probe.VERSION)") == "1.0"
    gone = [line for line in lines if "resolving again with the index asked afresh" in line]
    assert len(gone) == 1 and "modelport-probe==1.1" in gone[0], lines
    assert len([line for line in lines if line.startswith("resolving 1 requirement")]) == 2
    again: list[str] = []
    second = prepare_environment(
        ["modelport-probe"], envs_dir=envs_dir, options=options, progress=again.append
    )
    assert second.reused and second.lock == env.lock
    assert again[0] == "using the cached resolution of 1 requirement"
