"""Unpacked artifacts under a home's ``unpacked/``: marked when loaded, held by the processes
that loaded them, pruned when unused and held by none (other processes are real ones: a lock
held by a process is what keeps a running server's files)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelport.artifact import unpacked
from modelport.artifact.manifest import Manifest
from modelport.artifact.reader import open_artifact, unpacked_path, unpacked_root
from modelport.artifact.writer import write_artifact
from modelport.settings import Settings

DAY = 24 * 3600.0
MANIFEST = Manifest(name="iris", version="0.1.0", source_format="native", entry_point="m:M")


def _aged(path: Path, days: float) -> Path:
    then = time.time() - days * DAY
    os.utime(path, (then, then))
    return path


def _unpack(settings: Settings, tmp_path: Path, content: bytes) -> Path:
    info = write_artifact(
        tmp_path / f"{len(content)}.zip", manifest=MANIFEST, files={"m.pkl": content}
    )
    return unpacked_root(open_artifact(info.path), settings)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home")


@pytest.fixture
def holder() -> Iterator[subprocess.Popen[str]]:
    """A process that holds the folder named on its stdin, says so, and runs until stopped."""
    script = textwrap.dedent(
        """
        import sys
        from modelport.artifact.unpacked import hold
        hold(sys.stdin.readline().strip())
        print("held", flush=True)
        sys.stdin.readline()
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    yield process
    process.kill()
    process.wait()


def _hold_in(process: subprocess.Popen[str], root: Path) -> None:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(f"{root}\n")
    process.stdin.flush()
    assert process.stdout.readline().strip() == "held"


def test_unused_folders_are_pruned_and_recent_ones_kept(settings: Settings, tmp_path: Path) -> None:
    old = _aged(_unpack(settings, tmp_path, b"old weights"), days=40)
    recent = _unpack(settings, tmp_path, b"recent weights!")
    assert old.parent == recent.parent == settings.unpacked_dir

    dry = unpacked.prune(settings.unpacked_dir, unused_for=30 * DAY, stale_after=DAY, dry_run=True)
    assert [(gone.path, gone.partial) for gone in dry] == [(old, False)]
    assert dry[0].bytes == sum(f.stat().st_size for f in old.rglob("*") if f.is_file())
    assert old.is_dir()

    done = unpacked.prune(
        settings.unpacked_dir, unused_for=30 * DAY, stale_after=DAY, dry_run=False
    )
    assert [gone.path for gone in done] == [old]
    assert not old.exists() and recent.is_dir()


def test_loading_a_folder_again_marks_it_used(settings: Settings, tmp_path: Path) -> None:
    content = b"weights used again"
    root = _aged(_unpack(settings, tmp_path, content), days=40)
    assert _unpack(settings, tmp_path, content) == root  # reused, not unpacked again
    assert time.time() - root.stat().st_mtime < DAY
    assert unpacked.prune(root.parent, unused_for=30 * DAY, stale_after=DAY, dry_run=False) == []


def test_a_folder_another_process_holds_stays_until_it_exits(
    settings: Settings, tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    root = _unpack(settings, tmp_path, b"a running server's weights")
    _hold_in(holder, root)
    _aged(root, days=40)  # its server has run for weeks
    assert unpacked.prune(root.parent, unused_for=0, stale_after=DAY, dry_run=False) == []
    assert root.is_dir()
    holder.kill()
    holder.wait()
    done = unpacked.prune(root.parent, unused_for=0, stale_after=DAY, dry_run=False)
    assert [gone.path for gone in done] == [root] and not root.exists()


def test_a_folder_this_process_holds_stays(settings: Settings, tmp_path: Path) -> None:
    root = _unpack(settings, tmp_path, b"loaded here")
    unpacked.hold(root)
    assert unpacked.prune(root.parent, unused_for=0, stale_after=DAY, dry_run=False) == []
    assert root.is_dir()


def test_holding_for_a_block_lets_go_after_it(settings: Settings, tmp_path: Path) -> None:
    """What a command that starts the server does: held while it reads, released after."""
    root = _unpack(settings, tmp_path, b"read by the command")
    with unpacked.holding(root):
        # a prune in another process meanwhile finds it held
        script = (
            "import sys\nfrom pathlib import Path\nfrom modelport.artifact import unpacked\n"
            f"print(len(unpacked.prune(Path({str(root.parent)!r}), unused_for=0, "
            "stale_after=1, dry_run=False)))\n"
        )
        during = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
        assert during.stdout.strip() == "0", during.stderr
        assert root.is_dir()
    done = unpacked.prune(root.parent, unused_for=0, stale_after=DAY, dry_run=False)
    assert [gone.path for gone in done] == [root]


def test_a_killed_unpack_is_removed_once_stale_and_other_files_are_left(
    settings: Settings,
) -> None:
    folder = settings.unpacked_dir
    partial = folder / f".{'a' * 32}.x1y2.partial"
    (partial / "sub").mkdir(parents=True)
    (partial / "sub" / "half.bin").write_bytes(b"half")
    fresh = folder / f".{'b' * 32}.z3.partial"
    fresh.mkdir()
    stranger = folder / "notes.txt"
    stranger.write_text("a user's file")
    _aged(stranger, days=400)
    _aged(partial, days=2)

    done = unpacked.prune(folder, unused_for=30 * DAY, stale_after=DAY, dry_run=False)
    assert [(gone.path, gone.bytes, gone.partial) for gone in done] == [(partial, 4, True)]
    assert not partial.exists() and fresh.is_dir() and stranger.is_file()


def test_only_a_homes_unpacked_folders_are_held(tmp_path: Path) -> None:
    """An image's ``model/`` folder (export) is no home's: nothing is written beside it."""
    elsewhere = tmp_path / "model"
    elsewhere.mkdir()
    unpacked.hold(elsewhere)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
    assert unpacked.is_unpacked_folder(unpacked_path("sha256:" + "c" * 64, Settings(home=tmp_path)))
    assert not unpacked.is_unpacked_folder(tmp_path / "unpacked" / "not-a-digest")
