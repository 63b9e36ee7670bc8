"""``make bench`` waits, after each load, for the server to finish what the load left it, so that
the next load neither starts behind it nor counts its CPU (the benchmark itself is not run here:
a real child process stands in for the server)."""

from __future__ import annotations

import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from load import wait_until_idle
from servers import CLOCK_TICKS

BUSY_THEN_IDLE = """
import sys, time
print("busy", flush=True)
started = time.process_time()
while time.process_time() - started < float(sys.argv[1]):
    pass
print("done", flush=True)
time.sleep(60)
"""


class _Child:
    """A process whose CPU time is read as the benchmark reads a server's."""

    def __init__(self, busy_seconds: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", BUSY_THEN_IDLE, str(busy_seconds)],
            stdout=subprocess.PIPE,
            text=True,
        )

    def started(self) -> None:
        """Wait for the child to begin its busy part."""
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "busy"

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def waiting_seconds(self) -> float:
        """Seconds the child has been runnable but waiting for a CPU (as ``servers.py`` reads
        a server's)."""
        return int(Path(f"/proc/{self.process.pid}/schedstat").read_text().split()[1]) / 1e9

    def said_done(self) -> bool:
        """Whether the child has finished its busy part: its line is on the pipe already."""
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], 0)
        return bool(ready) and self.process.stdout.readline().strip() == "done"


@pytest.fixture
def children() -> Iterator[list[_Child]]:
    made: list[_Child] = []
    yield made
    for child in made:
        child.process.kill()
        child.process.wait()


def test_the_next_load_waits_until_the_server_has_stopped_working(
    children: list[_Child],
) -> None:
    child = _Child(busy_seconds=0.6)
    children.append(child)
    child.started()
    assert not child.said_done()
    assert wait_until_idle(child, limit=30) is True  # type: ignore[arg-type]
    assert child.process.poll() is None
    assert child.said_done()
    assert wait_until_idle(child, limit=30) is True  # type: ignore[arg-type]


def test_a_server_that_never_goes_idle_is_waited_for_no_longer_than_the_limit(
    children: list[_Child],
) -> None:
    child = _Child(busy_seconds=3600)
    children.append(child)
    child.started()
    assert wait_until_idle(child, limit=0.5) is False  # type: ignore[arg-type]
