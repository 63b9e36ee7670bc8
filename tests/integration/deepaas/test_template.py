"""``modelport init NAME --convention deepaas``: the package it writes builds with the command
init prints, passes its own unit tests, and answers DEEPaaS's predict route."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import httpx

from ..cli import Result, run_cli
from .conftest import modelport_deepaas


def next_command(made: Result) -> list[str]:
    """The arguments of the ``Next: modelport ...`` line ``init`` printed (after ``modelport``)."""
    line = next(line for line in made.stdout.splitlines() if line.startswith("Next: "))
    words = shlex.split(line.removeprefix("Next: "))
    assert words[0] == "modelport", line
    return words[1:]


def test_the_deepaas_template_builds_tests_and_serves(tmp_path: Path) -> None:
    home = tmp_path / "home"
    made = run_cli("init", "word-count", "--convention", "deepaas", home=home, cwd=tmp_path)
    assert made.code == 0, made.stderr
    project = tmp_path / "word-count"
    assert (project / "word_count" / "api.py").is_file()

    built = run_cli(*next_command(made), "--env", "inherit", "--json", home=home, cwd=tmp_path)
    assert built.code == 0, built.stderr
    version = built.json()["version"]
    assert (version["model"], version["source_format"]) == ("word-count", "deepaas")

    tested = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "3 passed" in tested.stdout

    with modelport_deepaas(home, tmp_path / "serve-tmp", "word-count") as server:
        answer = httpx.post(
            f"{server.url}/v2/models/word-count/predict/",
            params={"text": "The cat sat on the mat; the cat ran.", "top": 1},
        )
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"status": "OK", "predictions": [{"word": "cat", "count": 2}]}
        refused = httpx.post(f"{server.url}/v2/models/word-count/predict/", params={"top": 1})
        assert refused.status_code == 422
        assert refused.json() == {"text": ["Missing data for required field."]}
