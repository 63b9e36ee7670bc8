"""A memory bound for a process tree under test: a cgroup of its own when this machine lets us
make one (cgroup v2 ``memory.max``, else v1 ``memory.limit_in_bytes``), counting the kernel's
out-of-memory kills inside it; else each process's address space (RLIMIT_AS), where an
allocation past the bound fails instead of being killed.

    with MemoryCap.make(1024**3) as cap:
        process = subprocess.Popen(command, preexec_fn=cap.enter)
        ...
        cap.oom_kills()  # 0, or how many processes the kernel killed in the group
"""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

CGROUP_ROOT = Path("/sys/fs/cgroup")
ADDRESS_SPACE_FACTOR = 2
"""With RLIMIT_AS, each process may map this many times the bound: address space is not memory
(a Python server with pyarrow maps far more than it touches), so 1x would stop it starting."""


@dataclass
class MemoryCap:
    """A bound of ``limit`` bytes on every process started with ``preexec_fn=cap.enter``."""

    limit: int
    kind: str  # "cgroup v2", "cgroup v1" or "RLIMIT_AS"
    group: Path | None  # the cgroup's folder; None with RLIMIT_AS

    @classmethod
    def make(cls, limit: int, *, cgroups: bool = True) -> MemoryCap:
        """A new cgroup bounded to ``limit`` bytes; RLIMIT_AS where none can be made (or
        ``cgroups`` is false)."""
        name = f"modelport-cap-{os.getpid()}-{time.monotonic_ns()}"
        if cgroups:
            for kind, parent, limit_file in _controllers():
                try:
                    group = parent / name
                    group.mkdir()
                except OSError:
                    continue
                try:
                    (group / limit_file).write_text(str(limit))
                except OSError:
                    group.rmdir()
                    continue
                return cls(limit, kind, group)
        return cls(limit, "RLIMIT_AS", None)

    def describe(self) -> str:
        """What bounds the processes, for a report."""
        size = f"{self.limit / 1024**3:g} GiB"
        if self.group is None:
            return f"RLIMIT_AS of {ADDRESS_SPACE_FACTOR} x {size} per process (no cgroup allowed)"
        return f"a {self.kind} memory cgroup of {size}"

    def enter(self) -> None:
        """Put the calling process under the bound (``preexec_fn``: runs in the child before
        exec, so the server and every process it forks are bounded from their start)."""
        if self.group is None:
            bound = ADDRESS_SPACE_FACTOR * self.limit
            resource.setrlimit(resource.RLIMIT_AS, (bound, bound))
        else:
            (self.group / "cgroup.procs").write_text(str(os.getpid()))

    def oom_kills(self) -> int:
        """How many processes the kernel's out-of-memory killer ended in the group (0 with
        RLIMIT_AS: there an allocation fails instead)."""
        if self.group is None:
            return 0
        name = "memory.events" if self.kind == "cgroup v2" else "memory.oom_control"
        for line in (self.group / name).read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def peak_bytes(self) -> int | None:
        """The group's highest memory use so far, where the kernel keeps it."""
        if self.group is None:
            return None
        name = "memory.peak" if self.kind == "cgroup v2" else "memory.max_usage_in_bytes"
        try:
            return int((self.group / name).read_text())
        except (OSError, ValueError):
            return None

    def close(self) -> None:
        """Remove the group once its processes have exited (waits up to 10 s for them)."""
        if self.group is None:
            return
        deadline = time.monotonic() + 10
        while True:
            try:
                self.group.rmdir()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def __enter__(self) -> MemoryCap:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _controllers() -> list[tuple[str, Path, str]]:
    """Where a memory cgroup could be made, best first: (kind, parent folder, limit file)."""
    found: list[tuple[str, Path, str]] = []
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controllers == "":  # the v2 hierarchy: usable where memory is delegated to children
            for mount in (CGROUP_ROOT, CGROUP_ROOT / "unified"):
                own = mount / path.lstrip("/")
                if "memory" in _words(own / "cgroup.subtree_control"):
                    found.insert(0, ("cgroup v2", own, "memory.max"))
        elif "memory" in controllers.split(","):
            own = CGROUP_ROOT / "memory" / path.lstrip("/")
            if (own / "memory.limit_in_bytes").exists():
                found.append(("cgroup v1", own, "memory.limit_in_bytes"))
    return found


def _words(path: Path) -> list[str]:
    try:
        return path.read_text().split()
    except OSError:
        return []
