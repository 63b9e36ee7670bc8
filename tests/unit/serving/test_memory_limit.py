"""The memory limit the server reads at start, from fake cgroup files: v2 ``memory.max`` and v1
``memory.limit_in_bytes`` of the process's cgroup and its ancestors, "max" and v1's "no limit"
read as none."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from modelport.serving.memory_limit import address_space_limit, cgroup_limit, memory_limit

GIB = 1024**3
V1_NO_LIMIT = "9223372036854771712"


def _fake(tmp_path: Path, cgroup: str, files: dict[str, str]) -> tuple[Path, Path]:
    """A fake /proc/self (its ``cgroup`` file) and cgroup mount holding ``files``."""
    proc, root = tmp_path / "proc", tmp_path / "cgroup"
    proc.mkdir()
    (proc / "cgroup").write_text(cgroup)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return proc, root


def test_a_v2_limit_is_the_least_of_the_group_and_its_ancestors(tmp_path: Path) -> None:
    proc, root = _fake(
        tmp_path,
        "0::/system.slice/app.service\n",
        {
            "cgroup.controllers": "cpu memory\n",
            "system.slice/memory.max": f"{2 * GIB}\n",
            "system.slice/app.service/memory.max": "max\n",
        },
    )
    assert cgroup_limit(proc, root) == 2 * GIB


def test_a_v2_group_without_any_limit_has_none(tmp_path: Path) -> None:
    proc, root = _fake(
        tmp_path,
        "0::/user.slice\n",
        {"cgroup.controllers": "memory\n", "user.slice/memory.max": "max"},
    )
    assert cgroup_limit(proc, root) is None


def test_v1_memory_beside_a_unified_hierarchy(tmp_path: Path) -> None:
    proc, root = _fake(
        tmp_path,
        "4:memory:/jobs/one\n3:cpu,cpuacct:/\n0::/\n",
        {
            "memory/memory.limit_in_bytes": V1_NO_LIMIT,
            "memory/jobs/memory.limit_in_bytes": V1_NO_LIMIT,
            "memory/jobs/one/memory.limit_in_bytes": f"{GIB}\n",
            "unified/cgroup.controllers": "",
            "unified/memory.max": "max",
        },
    )
    assert cgroup_limit(proc, root) == GIB


def test_v1_without_a_limit_has_none(tmp_path: Path) -> None:
    proc, root = _fake(tmp_path, "4:memory:/\n", {"memory/memory.limit_in_bytes": V1_NO_LIMIT})
    assert cgroup_limit(proc, root) is None


def test_a_group_outside_the_mount_reads_the_mounted_root(tmp_path: Path) -> None:
    """In a container the group's path names the host's folders; the mount is the group."""
    proc, root = _fake(
        tmp_path, "0::/docker/abc123\n", {"cgroup.controllers": "memory", "memory.max": "536870912"}
    )
    assert cgroup_limit(proc, root) == 512 * 1024**2


def test_no_cgroup_file_means_no_cgroup_limit(tmp_path: Path) -> None:
    assert cgroup_limit(tmp_path / "missing", tmp_path) is None
    assert memory_limit(tmp_path / "missing", tmp_path) == address_space_limit()


def test_the_address_space_limit_counts_too(tmp_path: Path) -> None:
    """In a child whose RLIMIT_AS is 3 GiB, under a 4 GiB cgroup: the lesser, 3 GiB."""
    proc, root = _fake(
        tmp_path, "0::/\n", {"cgroup.controllers": "memory", "memory.max": str(4 * GIB)}
    )
    code = (
        "import resource, sys; from pathlib import Path; "
        "from modelport.serving.memory_limit import memory_limit; "
        f"resource.setrlimit(resource.RLIMIT_AS, ({3 * GIB}, resource.RLIM_INFINITY)); "
        f"print(memory_limit(Path({str(proc)!r}), Path({str(root)!r})))"
    )
    child = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert int(child.stdout) == 3 * GIB
