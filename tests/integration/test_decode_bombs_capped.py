"""Decode bombs against ``modelport serve`` (the default worker pool) whose process tree is held
in a 1 GiB memory cgroup, by the script ``make reliability`` measures with
(benchmarks/decode_bombs.py): each bomb alone, then all at once, then a valid request. Where no
cgroup can be made (a container without the rights), the script bounds each process's address
space instead, and says so.

The server runs with the default limits: it reads the cgroup's (or the address space's) limit at
start and bounds what one request may decode to by a share of it (docs/reliability.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "decode_bombs.py"


def test_every_bomb_is_refused_and_the_kernel_kills_nothing(
    shared_home: Path, echo_project: Path
) -> None:
    options = ["--json", "--copies", "1"]
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--home", str(shared_home), *options],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.stdout.strip(), run.stderr
    figures = json.loads(run.stdout)
    assert figures["unexpected"] == [], figures["statuses"]
    assert set(figures["statuses"].values()) <= {400, 413, 422}
    assert figures["requests"] == 2 * figures["bombs"] >= 26  # alone, then all at once
    assert figures["oom_kills"] == 0
    assert figures["workers_lost"] == 0
    assert figures["valid_after"]
    assert figures["passed"] and run.returncode == 0
    if "cgroup" in figures["cap"]:
        assert figures["peak_mib"] < 1024
