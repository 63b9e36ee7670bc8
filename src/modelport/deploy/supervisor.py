"""``python -m modelport.deploy.supervisor --log FILE -- COMMAND...``: run ``COMMAND`` (a
``modelport serve`` server) and start it again whenever it dies other than by being stopped.

A local deployment is this process, started in a session of its own by ``modelport deploy
--target local``: SIGTERM (``modelport deploy rm``) is passed on to the server, which drains its
requests, and then the supervisor exits. A server that exits non-zero or is killed by a signal
is started again at once, then after waits that double with each crash in a row (up to
``MAX_BACKOFF`` seconds), and are forgotten once it has run for ``STEADY`` seconds.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

MAX_BACKOFF = 30.0
STEADY = 60.0
"""Seconds a server must run for its crash to count as the first in a row again."""


class Supervisor:
    """Runs ``command`` until told to stop, restarting it when it crashes."""

    def __init__(self, command: list[str], log: Path) -> None:
        self.command = command
        self.log = log
        self.stopping = False
        self.child: subprocess.Popen[bytes] | None = None
        self.restarts = 0

    def stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signal.SIGTERM)

    def run(self) -> int:
        crashes = 0
        while not self.stopping:
            started = time.monotonic()
            with open(self.log, "ab") as log:
                self.child = subprocess.Popen(
                    self.command, stdin=subprocess.DEVNULL, stdout=log, stderr=log
                )
            code = self.child.wait()
            if self.stopping or code == 0:
                return 0
            crashes = 1 if time.monotonic() - started > STEADY else crashes + 1
            self.restarts += 1
            with open(self.log, "a") as log:
                log.write(f"supervisor: the server exited with {code}; starting it again\n")
            wait = 0.0 if crashes == 1 else min(MAX_BACKOFF, 2.0 ** (crashes - 2))
            deadline = time.monotonic() + wait
            while not self.stopping and time.monotonic() < deadline:
                time.sleep(0.1)
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m modelport.deploy.supervisor")
    parser.add_argument("--log", type=Path, required=True, help="the server's output goes here")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND...")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no COMMAND to supervise")
    supervisor = Supervisor(command, args.log)
    signal.signal(signal.SIGTERM, supervisor.stop)
    signal.signal(signal.SIGINT, supervisor.stop)
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
