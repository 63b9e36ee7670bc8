"""One server under test: start it, time its first answer, read its CPU and memory, stop it."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from payloads import decode
from spec import Route, ServerSpec

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
RESUME_SETTLE_SECONDS = 0.5
"""After SIGCONT, before any load: timers that fell due while paused fire, workers' heartbeats
turn again."""


def post(port: int, route: Route, body: bytes, timeout: float = 30.0) -> tuple[int, bytes]:
    """POST ``body`` to ``route`` on loopback; return the status and the answer's bytes."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Content-Type": route.content_type, "Accept": route.accept}
        connection.request("POST", route.path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def check_answer(port: int, route: Route, body: bytes, expected: list[int]) -> str:
    """Empty if ``route`` answers ``body`` with exactly ``expected``; otherwise why not."""
    try:
        status, answer = post(port, route, body)
    except OSError as error:
        return f"no answer ({error})"
    if status != 200:
        return f"HTTP {status}: {answer[:160].decode(errors='replace')}"
    try:
        labels = decode(route.answer, answer)
    except Exception as error:  # any malformed answer is a failed check, whatever the parser raised
        return f"unreadable answer ({type(error).__name__}: {error})"
    if labels != expected:
        wrong = sum(a != b for a, b in zip(labels, expected, strict=False))
        return f"wrong answer: {wrong} of {len(expected)} labels differ (got {len(labels)})"
    return ""


class RunningServer:
    """A server process started in its own session, so its whole process tree can be found."""

    def __init__(self, spec: ServerSpec, log_path: Path) -> None:
        self.spec = spec
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            list(spec.command),
            cwd=spec.cwd,
            env={**os.environ, **spec.env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def wait_first_answer(
        self, route: Route, body: bytes, expected: list[int], limit: float
    ) -> float:
        """Seconds from launch to the first correct answer on ``route``; raises after ``limit``."""
        reason = "not started"
        while time.perf_counter() - self.started < limit:
            if self.process.poll() is not None:
                raise RuntimeError(f"exited with {self.process.returncode}: {self.log_tail()}")
            reason = check_answer(self.spec.port, route, body, expected)
            if not reason:
                return time.perf_counter() - self.started
            time.sleep(0.02)
        raise RuntimeError(f"no correct answer within {limit:.0f} s ({reason}): {self.log_tail()}")

    def command_line(self) -> tuple[str, ...] | None:
        """What the server's first process runs now (after any exec), or None when it is gone."""
        try:
            raw = Path(f"/proc/{self.process.pid}/cmdline").read_bytes()
        except OSError:
            return None
        return tuple(part.decode() for part in raw.split(b"\0") if part)

    def tree(self) -> list[int]:
        """The server's pid and every live process in its session or below it."""
        parents: dict[int, int] = {}
        members = {self.process.pid}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            fields = _stat_fields(int(entry.name))
            if fields is None:
                continue
            parents[int(entry.name)] = int(fields[1])
            if int(fields[3]) == self.process.pid:  # session id
                members.add(int(entry.name))
        grew = True
        while grew:
            children = {pid for pid, parent in parents.items() if parent in members}
            grew = not children <= members
            members |= children
        return sorted(members)

    def cpu_seconds(self) -> float:
        """User + system CPU time used so far by the live processes of the tree."""
        total = 0
        for pid in self.tree():
            fields = _stat_fields(pid)
            if fields is not None:
                total += int(fields[11]) + int(fields[12])
        return total / CLOCK_TICKS

    def waiting_seconds(self) -> float:
        """Seconds the tree's live threads have spent runnable but waiting for a CPU (the
        run-queue wait of ``/proc/PID/task/TID/schedstat``): what the rest of the machine took
        from the server, summed over its threads."""
        total = 0
        for pid in self.tree():
            for task in Path(f"/proc/{pid}/task").glob("*"):
                try:
                    total += int((task / "schedstat").read_text().split()[1])
                except (OSError, IndexError, ValueError):
                    continue
        return total / 1e9

    def rss_mib(self) -> float:
        """Resident memory (VmRSS) of the whole process tree, in MiB."""
        total_kib = 0
        for pid in self.tree():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    total_kib += int(line.split()[1])
        return total_kib / 1024

    def pause(self) -> None:
        """SIGSTOP every process of the tree: a server between its turns takes no CPU from the
        one under load (LitServe's idle workers poll their queues, about 12% of a core here)."""
        self._signal_tree(signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT every process of the tree, then give its loops a moment to turn again."""
        self._signal_tree(signal.SIGCONT)
        time.sleep(RESUME_SETTLE_SECONDS)

    def _signal_tree(self, signum: signal.Signals) -> None:
        for pid in self.tree():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    def log_tail(self, lines: int = 8) -> str:
        """The last lines the server wrote, for error messages."""
        self._log.flush()
        text = self.log_path.read_text(errors="replace").strip().splitlines()
        return " | ".join(text[-lines:])

    def stop(self) -> None:
        """SIGCONT (it may be paused), SIGTERM the server's process group, then SIGKILL it if it
        lingers; return once every process of its session has exited: a peer's workers can
        outlive its main process (LitServe's, by a fraction of a second here) and would take CPU
        from the next server's launch or loads. Zombies (exited, not yet reaped) do not count:
        they use no CPU."""
        if self.process.poll() is None:
            self._signal_tree(signal.SIGCONT)
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)
            except ProcessLookupError:
                pass
        self._wait_session_gone()
        self._log.close()

    def _wait_session_gone(self, grace: float = 10.0) -> None:
        """Wait for the rest of the session to exit, SIGKILLing its group after ``grace``."""
        deadline = time.monotonic() + grace
        killed = False
        while self._survivors():
            if time.monotonic() > deadline:
                if killed:
                    return  # not ours to wait for any longer (said by the next loads' CPU)
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                killed, deadline = True, time.monotonic() + 5
            time.sleep(0.1)

    def _survivors(self) -> list[int]:
        """Live (not zombie) processes of the server's session other than its main process."""
        return [
            pid
            for pid in self.tree()
            if pid != self.process.pid and (_stat_fields(pid) or ["Z"])[0] != "Z"
        ]


def smaps_rollup(pid: int) -> dict[str, int]:
    """A process's memory totals in KiB (Rss, Pss, Private_Clean, Private_Dirty, ...)."""
    totals: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[-1] == "kB":
            totals[name] = int(parts[0])
    return totals


def worker_memory(pool: RunningServer) -> dict[str, Any]:
    """RSS and USS (MiB; USS: the pages only that process holds) of a worker pool's supervisor
    (the server's first process, after ``modelport serve`` has exec'd into it) and of each of
    its workers, first worker (lowest pid) first."""
    supervisor = pool.process.pid
    children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    workers = sorted(int(child) for child in children)

    def mib(pid: int) -> dict[str, float]:
        totals = smaps_rollup(pid)
        unique = totals["Private_Clean"] + totals["Private_Dirty"]
        return {"rss_mib": totals["Rss"] / 1024, "uss_mib": unique / 1024}

    return {"supervisor": mib(supervisor), "workers": [mib(pid) for pid in workers]}


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (state is index 0), or None if gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()
