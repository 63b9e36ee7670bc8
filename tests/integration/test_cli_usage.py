"""The installed ``modelport`` console script as a user meets it: usage errors print the usage and
exit 2 (not an "internal error"), ``--version``, shell completion, a port in use refused in one
line before anything is served, and a folder named like a model leaving the registry alone."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import subprocess
from collections.abc import Callable, Iterator
from importlib.metadata import version
from pathlib import Path

import pytest

from .cli import SCRIPT, Result, run_cli


@pytest.fixture
def modelport(tmp_path: Path) -> Callable[..., Result]:
    def call(*args: str, **kwargs: object) -> Result:
        return run_cli(*args, home=tmp_path / "home", script=True, **kwargs)  # type: ignore[arg-type]

    return call


def test_the_console_script_is_installed() -> None:
    assert SCRIPT.is_file(), SCRIPT


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("bogus",), "No such command 'bogus'"),
        (("modles", "list"), "No such command 'modles'"),
        ((), "Usage: modelport"),  # no arguments: the help, as a usage error
        (("models", "list", "--bogus"), "No such option: --bogus"),
        (("--bogus",), "No such option: --bogus"),
        (("init",), "Missing argument"),
        (("alias", "set", "iris"), "Missing argument"),
        (("serve", "iris", "--port", "eighty"), "Invalid value for '--port'"),
        (("serve", "iris", "--port"), "Option '--port' requires an argument"),
        (("build", ".", "--env", "elsewhere"), "choose auto or inherit"),
        (("models",), "Usage: modelport models"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, tuple) else None,
)
def test_usage_errors_print_the_usage_and_exit_2(
    modelport: Callable[..., Result], args: tuple[str, ...], says: str
) -> None:
    result = modelport(*args)
    output = result.stdout + result.stderr
    assert result.code == 2, output
    assert "Usage: modelport" in output
    assert " ".join(says.split()) in " ".join(output.replace("│", " ").split())
    assert "internal error" not in output and "Traceback" not in output


def test_version(modelport: Callable[..., Result]) -> None:
    result = modelport("--version")
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == f"modelport {version('modelport')}\n"


def test_shell_completion_is_offered_and_completes(
    modelport: Callable[..., Result], tmp_path: Path
) -> None:
    # asked for from bash, as a user does: typer names the shell it finds among the command's
    # parents (an argument after the flag is not read), and a test run from make has none
    script = subprocess.run(
        ["bash", "-c", f"{shlex.quote(str(SCRIPT))} --show-completion; exit $?"],
        env={**os.environ, "MODELPORT_HOME": str(tmp_path / "home")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert script.returncode == 0, script.stderr
    assert "_MODELPORT_COMPLETE" in script.stdout
    assert "complete -o default -F" in script.stdout  # bash's own completion script
    completing = {"_MODELPORT_COMPLETE": "complete_bash", "COMP_CWORD": "1"}
    commands = modelport(env={**completing, "COMP_WORDS": "modelport mo"})
    assert commands.code == 0 and commands.stdout.split() == ["models"]
    options = modelport(env={**completing, "COMP_WORDS": "modelport serve --po", "COMP_CWORD": "2"})
    assert options.stdout.split() == ["--port"]


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


def test_a_port_in_use_is_one_line_before_anything_is_served(
    shared_home: Path, echo_project: Path, taken_port: int
) -> None:
    result = run_cli("serve", "echo", "--port", str(taken_port), home=shared_home, script=True)
    assert result.code == 1
    assert result.stdout == ""  # no "Serving ..." and no curl line
    assert result.stderr.splitlines() == [
        f"error: 127.0.0.1:{taken_port} is already in use. Pick another port with --port"
    ]


def test_a_folder_named_like_a_model_leaves_the_registry_alone(
    shared_home: Path, echo_project: Path, tmp_path: Path
) -> None:
    changed = shutil.copytree(echo_project, tmp_path / "echo")
    (changed / "main" / "extra.py").write_text("CHANGED = True\n")  # a build would add echo:2
    before = run_cli("versions", "echo", "--json", home=shared_home).json()
    answered = run_cli(
        "predict", "echo", "--data", '[{"text": "hi"}]', "--json",
        home=shared_home, cwd=tmp_path, script=True,
    )  # fmt: skip
    assert answered.code == 0, answered.stderr
    assert json.loads(answered.stdout) == [{"reply": "echo: hi"}]
    assert run_cli("versions", "echo", "--json", home=shared_home).json() == before
