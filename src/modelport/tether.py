"""Child processes that die with the process that started them (a build's build step and its
tests): the child side (:func:`tether`, and ``python -m modelport.tether PARENT_PID ARGS...``,
which tethers itself then becomes ``python ARGS...``) and the parent side (:func:`run_in_group`).

On Linux a child asks the kernel for SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)``
through ctypes): immediate, with no thread in the user's process, it holds through ``exec`` (so
pytest, started through this module, is tethered too) and a child busy in C code cannot miss it.
Then it checks the parent is still the one it was started by, since the parent may have died
before the request. Linux sends the signal when the *thread* that started the child ends, so
only a child its starting thread waits for (as :func:`run_in_group` does) may be tethered.
Elsewhere a daemon thread watches the parent id once a second and ends the process when it
changes (which ``exec`` would not keep: there only the build step is tethered).

The parent runs each child in a process group of its own and ends that group when the child
returns or the parent is interrupted, so what the user's code started goes too; a terminal's
Ctrl-C reaches the command, which ends the group. A parent killed with SIGKILL can end nothing
itself, and the death signal reaches only the tethered child: so a tethered child that leads its
process group also forks a guard (:func:`_guard_group`), a small process in that group that
waits on the parent's and the child's pidfds and, when either ends, kills the whole group
(SIGKILL), taking along the processes the user's code started (a build step's, its tests').
A process that left the group (``setsid``) is out of reach, as it is of a terminal's Ctrl-C.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def tether(parent: int) -> None:
    """End this process when the process ``parent`` (the one that started it) ends, and when
    this process leads its group, the whole group with it."""
    if sys.platform.startswith("linux") and _death_signal():
        if os.getppid() != parent:  # the parent died before the kernel could be asked
            os._exit(1)
        _guard_group(parent)
        return
    watcher = threading.Thread(target=_watch, args=(parent,), daemon=True, name="tether")
    watcher.start()


def _death_signal() -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _guard_group(parent: int) -> None:
    """Fork a guard that kills this process's group (SIGKILL) once ``parent`` or this process
    ends; nothing when this process does not lead its group (a group shared with others, such
    as a terminal's job, is never killed) or pidfds are missing (Linux before 5.3)."""
    if os.getpgrp() != os.getpid() or not hasattr(os, "pidfd_open"):
        return
    try:
        watched = [os.pidfd_open(parent), os.pidfd_open(os.getpid())]
    except OSError:
        return
    if os.fork() != 0:
        for fd in watched:
            os.close(fd)
        return
    try:  # the guard: holds none of the child's pipes, so their readers still see them close
        quiet = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(quiet, fd)
        kept = sorted(watched)
        os.closerange(3, kept[0])
        os.closerange(kept[0] + 1, kept[1])
        os.closerange(kept[1] + 1, os.sysconf("SC_OPEN_MAX"))
        poller = select.poll()
        for fd in watched:
            poller.register(fd, select.POLLIN)
        while not poller.poll():
            pass
        os.killpg(0, signal.SIGKILL)
    finally:
        os._exit(0)


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def tethered(python: Path | str, args: list[str]) -> list[str]:
    """The command running ``python ARGS...`` tethered to this process."""
    return [str(python), "-m", "modelport.tether", str(os.getpid()), *args]


def run_in_group(
    command: list[str],
    *,
    input: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """``subprocess.run(command, capture_output=True, text=True)`` in a process group of its
    own, which is ended (SIGKILL) when the command returns or this call is interrupted."""
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=cwd,
        process_group=0,
    )
    try:
        stdout, stderr = process.communicate(input)
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.kill()
        process.wait()
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def main(argv: list[str]) -> None:
    """``python -m modelport.tether PARENT_PID ARGS...``: tether, then exec python."""
    tether(int(argv[0]))
    os.execv(sys.executable, [sys.executable, *argv[1:]])


if __name__ == "__main__":
    main(sys.argv[1:])
