"""The memory this process may use: the least of its memory cgroup's limit (v2 ``memory.max``
or v1 ``memory.limit_in_bytes``, of its own cgroup and every ancestor) and its address space
limit (``RLIMIT_AS``). The server reads it at start to bound what one request may decode to."""

from __future__ import annotations

import resource
from pathlib import Path

PROC_SELF = Path("/proc/self")
CGROUP_ROOT = Path("/sys/fs/cgroup")
UNLIMITED_V1 = 2**62
"""cgroup v1 writes "no limit" as a number near 2**63, rounded down to a page: above this, none."""


def memory_limit(proc_self: Path = PROC_SELF, cgroup_root: Path = CGROUP_ROOT) -> int | None:
    """Bytes this process may use, the least limit found; None when nothing limits it."""
    found = [cgroup_limit(proc_self, cgroup_root), address_space_limit()]
    return min((limit for limit in found if limit is not None), default=None)


def cgroup_limit(proc_self: Path = PROC_SELF, root: Path = CGROUP_ROOT) -> int | None:
    """The least memory limit of the cgroups ``proc_self/cgroup`` names: v2's unified hierarchy
    (mounted at ``root``, or at ``root/unified`` beside v1) and v1's memory controller
    (``root/memory``); None when none limits memory."""
    try:
        lines = (proc_self / "cgroup").read_text().splitlines()
    except OSError:
        return None
    limits: list[int | None] = []
    for line in lines:
        _, _, rest = line.partition(":")
        controllers, _, group = rest.partition(":")
        if controllers == "":
            for mount in (root, root / "unified"):
                if (mount / "cgroup.controllers").exists():
                    limits.append(_least_up_to(mount, group, "memory.max"))
                    break
        elif "memory" in controllers.split(","):
            limits.append(_least_up_to(root / "memory", group, "memory.limit_in_bytes"))
    return min((limit for limit in limits if limit is not None), default=None)


def _least_up_to(mount: Path, group: str, name: str) -> int | None:
    """The least limit in file ``name`` of ``group`` and each of its ancestors up to ``mount``
    (in a container, the group's own folder may lie outside what is mounted)."""
    least: int | None = None
    folder = Path(group.strip("/"))
    while True:
        limit = _read_limit(mount / folder / name)
        if limit is not None and (least is None or limit < least):
            least = limit
        if folder == Path("."):
            return least
        folder = folder.parent


def _read_limit(path: Path) -> int | None:
    """The bytes in a cgroup limit file; None for "max", a v1 "no limit", or no file."""
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    if not text.isdigit():  # v2 "max"
        return None
    value = int(text)
    return value if value < UNLIMITED_V1 else None


def address_space_limit() -> int | None:
    """This process's soft ``RLIMIT_AS`` in bytes; None when unlimited."""
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    return None if soft == resource.RLIM_INFINITY else soft
