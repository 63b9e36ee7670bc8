"""The README's walkthrough, run as written: every shell line of "A model, the native way" and
"Build, register, serve", in order, in a fresh folder and home. A line whose comment says it is
refused must fail with one error line; ``serve`` lines must serve (and answer) until stopped."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import httpx

from modelport.testing import start_server

README = Path(__file__).resolve().parents[2] / "README.md"
SECTIONS = ("A model, the native way", "Build, register, serve")
ROW = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}


def walkthrough() -> list[tuple[list[str], str]]:
    """(arguments after `modelport`, the line's comment) of each command line, in order."""
    text = README.read_text()
    found = []
    for section in SECTIONS:
        body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
        for language, block in re.findall(r"^```(\w*)\n(.*?)^```$", body, re.S | re.M):
            if language:  # untagged blocks are the walkthrough's shell; ```sh ones need more
                continue
            for line in block.splitlines():
                command, _, comment = line.partition("#")
                words = shlex.split(command)
                if words[:1] == ["modelport"]:
                    found.append((words[1:], comment.strip()))
    return found


def test_the_walkthrough_finds_its_lines() -> None:
    commands = [" ".join(words[:2]) for words, _ in walkthrough()]
    assert commands[:3] == ["init iris", "build ./iris", "build ./iris"]
    assert {"test ./iris", "serve iris", "serve ./iris", "rm iris:1", "export iris:1"} <= set(
        commands
    )


def test_every_line_works_as_the_readme_says(tmp_path: Path) -> None:
    env = {**os.environ, "MODELPORT_HOME": str(tmp_path / "home"), "COLUMNS": "200"}
    env.pop("MODELPORT_REGISTRY_URI", None)
    for words, comment in walkthrough():
        if words[0] == "serve":
            target = str(tmp_path / words[1]) if words[1].startswith("./") else words[1]
            _serve(target, words[2:], tmp_path, env)
            continue
        done = subprocess.run(
            [sys.executable, "-m", "modelport", *words],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        said = f"modelport {' '.join(words)}\n{done.stdout}{done.stderr}"
        if comment.startswith("refused"):
            assert done.returncode == 1, said
            assert done.stderr.startswith("error: "), said
        else:
            assert done.returncode == 0, said
    other_home = {**env, "MODELPORT_HOME": str(tmp_path / "other")}
    imported = subprocess.run(  # "and on another machine: modelport import iris.zip"
        [sys.executable, "-m", "modelport", "import", "iris.zip"],
        cwd=tmp_path,
        env=other_home,
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr


def _serve(target: str, options: list[str], tmp_path: Path, env: dict[str, str]) -> None:
    home = {"MODELPORT_HOME": env["MODELPORT_HOME"]}
    with start_server(
        target, serve_options=options, log_dir=tmp_path, env=home, ready_timeout=300
    ) as server:
        answer = httpx.post(f"{server.url}/v1/models/iris/predict", json=[ROW], timeout=30)
        assert (answer.status_code, answer.json()) == (200, [{"species": 0}]), answer.text
