"""kill -9 during ``modelport build``, an upload to a ``modelport server`` and a local
registration, by the script ``make reliability`` runs fifty times each
(benchmarks/kill_loop.py), here once each: nothing of the killed command is left running,
nothing in its TMPDIR once ``modelport gc`` has run, no version without its blob, and each
command succeeds again afterwards."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="uses SIGKILL and sessions"),
]

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "kill_loop.py"


def test_a_kill_of_each_command_leaves_nothing_behind() -> None:
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--kills", "1", "--seed", "21", "--json"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert run.stdout.strip(), run.stderr
    outcomes = {outcome["command"]: outcome for outcome in json.loads(run.stdout)}
    assert set(outcomes) == {"build", "upload", "registration"}
    for name, outcome in outcomes.items():
        assert outcome["kills"] == 1, name
        assert outcome["orphans"] == [], name
        assert outcome["temp_left"] == [], name
        assert outcome["half_versions"] == [], name
        assert outcome["gc_after_sweep"] == 0, name
        assert outcome["after_ok"], (name, run.stderr)
        assert outcome["versions"] >= 2, name  # the timed run's and the last one's at least
    assert run.returncode == 0
