"""Running the real ``modelport`` command in a subprocess, against a registry of the test's own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


SCRIPT = Path(sys.executable).with_name("modelport")
"""The installed console script (``python -m modelport`` runs the same code by another door)."""


def run_cli(
    *args: str,
    home: Path,
    cwd: Path | None = None,
    timeout: float = 300,
    script: bool = False,
    env: dict[str, str] | None = None,
) -> Result:
    """``modelport ARGS`` (``python -m modelport``, or with ``script`` the console script) with
    ``MODELPORT_HOME=home`` and ``env``; output captured, never raising."""
    env = {
        **os.environ,
        "MODELPORT_HOME": str(home),
        "COLUMNS": "200",
        "NO_COLOR": "1",
        **(env or {}),
    }
    env.pop("MODELPORT_REGISTRY_URI", None)
    command = [str(SCRIPT)] if script else [sys.executable, "-m", "modelport"]
    completed = subprocess.run(
        [*command, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)


def build_model_code(project: Path, source: str, *options: str, home: Path) -> None:
    """Build ``project`` (a scaffolded one) with ``source`` as its ``main/model.py`` and without
    the template's unit tests, into ``home``'s registry with ``--env inherit`` and ``options``."""
    (project / "main" / "model.py").write_text(source)
    for test in (project / "tests" / "ut").glob("test_*.py"):
        test.unlink()
    built = run_cli("build", str(project), "--env", "inherit", *options, home=home)
    assert built.code == 0, built.stderr
