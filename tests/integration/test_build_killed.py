"""A build killed outright (SIGKILL) leaves no process behind, and the next build, or
``modelport gc``, removes the folders it left."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from modelport.registry.blobs import LocalBlobStore, sha256_file
from modelport.tether import tethered

from .cli import run_cli

pytestmark = pytest.mark.slow

SLEEPING_BUILD = """
    def build(self) -> None:
        import os, pathlib, subprocess, sys, time
        mark = os.environ.get("SLEEP_MARK")
        if mark:  # start a process of its own, say which they are, then take forever
            helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
            pathlib.Path(mark).write_text(f"{os.getpid()} {helper.pid}")
            time.sleep(300)
        self.prefix = "echo: "
"""


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie waiting for a parent to reap it is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _sleeping_project(project_factory: Callable[..., Path], dest: Path) -> Path:
    project = project_factory(dest)
    model = project / "main" / "model.py"
    text = model.read_text()
    start = text.index("    def build(self)")
    end = text.index("    def predict")
    model.write_text(text[:start] + SLEEPING_BUILD.lstrip("\n") + "\n" + text[end:])
    return project


def test_a_killed_build_leaves_no_worker_and_the_next_build_sweeps_its_folders(
    project_factory: Callable[..., Path], tmp_path: Path
) -> None:
    project = _sleeping_project(project_factory, tmp_path / "src" / "sleepy")
    home, temp, mark = tmp_path / "home", tmp_path / "tmp", tmp_path / "worker.pid"
    temp.mkdir()
    env = {**os.environ, "MODELPORT_HOME": str(home), "TMPDIR": str(temp), "NO_COLOR": "1"}
    env.pop("MODELPORT_REGISTRY_URI", None)
    build = subprocess.Popen(
        [sys.executable, "-m", "modelport", "build", str(project), "--env", "inherit"],
        env={**env, "SLEEP_MARK": str(mark)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(lambda: mark.exists() and mark.read_text() != "", "the build step")
        worker, helper = (int(pid) for pid in mark.read_text().split())
        [scratch] = temp.glob("modelport-build-*")
        assert _running(helper)
    finally:
        build.send_signal(signal.SIGKILL)
        build.wait()
    try:
        _wait_for(lambda: not _running(worker), "the build step to die with its build", 30)
        _wait_for(lambda: not _running(helper), "the process the build step started", 30)
    finally:
        for pid in (worker, helper):
            if _running(pid):  # the test failed: end it here rather than leave it sleeping
                os.kill(pid, signal.SIGKILL)
    assert scratch.is_dir()  # a killed process removes nothing itself
    assert json.loads((scratch / ".owner").read_text())["pid"] == build.pid

    dry = run_cli("gc", "--dry-run", "--json", home=home, env={"TMPDIR": str(temp)})
    assert dry.code == 0, dry.stderr
    assert dry.json()["folders"] == [
        {"path": str(scratch), "owner_pid": build.pid, "bytes": dry.json()["folders"][0]["bytes"]}
    ]
    assert scratch.is_dir()

    again = run_cli("build", str(project), "--env", "inherit", home=home, env={"TMPDIR": str(temp)})
    assert again.code == 0, again.stderr
    assert not scratch.exists()
    assert list(temp.iterdir()) == []  # the second build's own folders went with it


def test_tethered_pytest_dies_with_its_parent(tmp_path: Path) -> None:
    """What runs a project's tests (``python -m modelport.tether PID -m pytest``, in a process
    group of its own) holds the parent-death signal through exec, and what it started goes with
    it."""
    mark = tmp_path / "child.pid"
    child = (
        "import os, subprocess, sys, time; "
        "helper = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)']); "
        f"open({str(mark)!r}, 'w').write(f'{{os.getpid()}} {{helper.pid}}'); time.sleep(300)"
    )
    parent_code = (
        "import subprocess, sys, time\n"
        "from modelport.tether import tethered\n"
        f"subprocess.Popen(tethered(sys.executable, ['-c', {child!r}]), process_group=0)\n"
        "time.sleep(300)\n"
    )
    assert tethered("python", ["-m", "pytest"])[:3] == ["python", "-m", "modelport.tether"]
    parent = subprocess.Popen([sys.executable, "-c", parent_code])
    try:
        _wait_for(lambda: mark.exists() and mark.read_text() != "", "the tethered child", 60)
        pid, helper = (int(one) for one in mark.read_text().split())
        assert _running(pid) and _running(helper)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    _wait_for(lambda: not _running(pid), "the tethered child to die with its parent", 30)
    _wait_for(lambda: not _running(helper), "what the tethered child started", 30)


def test_gc_removes_orphan_blobs_and_says_what_it_removed(
    project_factory: Callable[..., Path], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    project = project_factory(tmp_path / "src" / "echo")
    built = run_cli("build", str(project), "--env", "inherit", "--skip-tests", home=home)
    assert built.code == 0, built.stderr
    orphan = tmp_path / "orphan.zip"
    orphan.write_bytes(b"PK\x05\x06" + bytes(18))  # a blob whose registration never finished
    digest = sha256_file(orphan)
    blobs = LocalBlobStore(home / "blobs")
    blobs.put(orphan, digest=digest)

    dry = run_cli("gc", "--dry-run", home=home)
    assert dry.code == 0, dry.stderr
    assert f"would remove blob {digest} (22 bytes): no version references it" in dry.stdout
    assert blobs.exists(digest)

    done = run_cli("gc", "--json", home=home)
    assert done.code == 0, done.stderr
    report = done.json()
    assert report["blobs"] == [{"digest": digest, "bytes": 22}] and not report["dry_run"]
    assert not blobs.exists(digest)
    assert len(blobs.digests()) == 1  # the registered version's blob stays

    nothing = run_cli("gc", home=home)
    assert nothing.code == 0 and "nothing to remove" in nothing.stdout
