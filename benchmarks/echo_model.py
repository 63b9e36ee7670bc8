"""A scratch modelport home holding ``echo`` (the basic template: a plain synchronous predict,
served by the default worker pool), the ``modelport`` command run against it, and ``modelport
serve`` started on a free loopback port: what the reliability scripts load, bomb and kill."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelport.scaffold import scaffold
from modelport.testing.server import HOST, ServerProcess, free_port

MODEL = "echo"
ROW = [{"text": "hello"}]
"""One row as the native route takes it; echo answers ``[{"reply": "echo: hello"}]``."""


@dataclass(frozen=True)
class Home:
    """A ``MODELPORT_HOME`` of its own; ``temp`` is the commands' TMPDIR (scratch folders)."""

    path: Path

    @property
    def temp(self) -> Path:
        return self.path / "tmp"

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a command against this home (no registry from outside)."""
        self.temp.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "MODELPORT_HOME": str(self.path), "TMPDIR": str(self.temp)}
        env.update(NO_COLOR="1", COLUMNS="200", **extra)
        for name in ("MODELPORT_REGISTRY_URI", "MODELPORT_BLOBS_URI", "MODELPORT_TOKEN"):
            env.pop(name, None)
        return env

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "modelport", *args]

    def run(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """``modelport ARGS``, raising with its output when it fails."""
        done = subprocess.run(
            self.command(*args),
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"modelport {' '.join(args)} failed: {done.stderr[-2000:]}")
        return done

    def run_json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--json").stdout)

    def scaffold_echo(self, dest: Path) -> Path:
        """The basic template's project in ``dest``."""
        scaffold(MODEL, template="basic", dest=dest, class_name="Echo")
        return dest

    def build_echo(self) -> None:
        """``echo`` version 1 in this home, built in this interpreter's environment."""
        project = self.scaffold_echo(self.path / "src" / MODEL)
        self.run("build", str(project), "--env", "inherit", "--skip-tests")

    def serve(
        self,
        *options: str,
        preexec_fn: Callable[[], None] | None = None,
        log_name: str = "serve.log",
        ready_timeout: float = 300,
    ) -> ServerProcess:
        """``modelport serve echo`` on a free port, in a session of its own, once ready."""
        port = free_port()
        log = self.path / log_name
        command = self.command("serve", MODEL, "--env", "inherit", *options)
        command += ["--host", HOST, "--port", str(port)]
        with log.open("wb") as sink:
            process = subprocess.Popen(
                command,
                env=self.env(),
                stdout=sink,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=preexec_fn,
                start_new_session=True,
            )
        server = ServerProcess(url=f"http://{HOST}:{port}", model=MODEL, process=process, log=log)
        try:
            server.wait_ready(timeout=ready_timeout)
        except BaseException:
            server.stop()
            raise
        return server


def tree_pids(root: int) -> list[int]:
    """``root`` and its live descendants (zombies left out)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = stat_fields(int(entry.name))
            if fields is not None and fields[0] != "Z":
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def session_pids(session: int) -> list[int]:
    """Live processes (zombies left out) whose session is ``session``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = stat_fields(int(entry.name))
            if fields is not None and fields[0] != "Z" and int(fields[3]) == session:
                found.append(int(entry.name))
    return found


def stat_fields(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (state first, then ppid, pgrp,
    session), or None when the process is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()


def rss_bytes(pids: Sequence[int]) -> int:
    """Resident memory of ``pids`` together (VmRSS)."""
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total
