"""The benchmark's server handle pauses a whole process tree between its turns and resumes it:
a server that polls while idle (as LitServe's workers do) must take no CPU from the one loaded."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "benchmarks"))

from servers import RunningServer
from spec import ServerSpec

SPIN = "import os, time\nos.fork()\nwhile True: time.monotonic()\n"
"""A parent and a forked child, each spinning on a core as a polling worker would."""


def _cpu_over(server: RunningServer, seconds: float) -> float:
    before = server.cpu_seconds()
    time.sleep(seconds)
    return server.cpu_seconds() - before


def test_a_paused_tree_uses_no_cpu_until_resumed(tmp_path: Path) -> None:
    spec = ServerSpec("spinner", "spinner", (sys.executable, "-c", SPIN), 0, (), tmp_path)
    with RunningServer(spec, tmp_path / "spinner.log") as server:
        deadline = time.monotonic() + 10
        while len(server.tree()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(server.tree()) == 2, "the spinner forked its child"
        assert _cpu_over(server, 0.5) > 0.2  # spinning before the pause
        server.pause()
        assert _cpu_over(server, 0.5) < 0.02  # neither process runs
        server.resume()
        assert _cpu_over(server, 0.5) > 0.2
        server.pause()  # a paused server still stops when its block ends
    assert server.process.poll() is not None
    assert not server._survivors(), "the forked child was stopped too"
