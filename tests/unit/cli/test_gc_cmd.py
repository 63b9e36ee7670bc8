"""``modelport gc`` on what is local to this machine: the cache of remote blobs and the
temporary files killed writes left in the home's blob folder (the registry's own orphans and
dead builds: tests/integration/test_build_killed.py; S3 uploads: blobs/test_s3_cli.py)."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from modelport.registry.blob_cache import BlobCache
from modelport.settings import Settings

from .conftest import Invoke, Register


def _aged(path: Path, hours: float) -> Path:
    then = time.time() - hours * 3600
    os.utime(path, (then, then))
    return path


def test_gc_drops_unused_cached_copies_and_stale_temporary_files(
    invoke: Invoke, register: Register, home: Path
) -> None:
    register("iris", "one")
    settings = Settings(home=home)
    cache = BlobCache(settings.blob_cache_dir)
    data = b"a blob from a registry server"
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    cached = _aged(cache.fetch(digest, lambda: [data]), hours=24 * 40)
    killed = settings.blobs_dir / "sha256" / ".tmp-killed"
    killed.write_bytes(b"half")
    _aged(killed, hours=30)

    dry = invoke("gc", "--json", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.output)["leftovers"] == [
        {"what": f"unfinished write {killed}", "bytes": 4},
        {"what": f"cached copy of {digest}", "bytes": len(data)},
    ]
    assert cached.exists() and killed.exists()

    done = invoke("gc", "--cache-days", "60")  # a longer bound keeps the copy
    assert done.exit_code == 0, done.output
    assert f"removed unfinished write {killed}" in done.output
    assert cached.exists() and not killed.exists()

    emptied = invoke("gc", "--cache-days", "0")
    assert emptied.exit_code == 0, emptied.output
    assert f"removed cached copy of {digest}" in emptied.output
    assert not cached.exists()
    assert invoke("gc").output.strip() == "nothing to remove"


def test_gc_drops_unpacked_artifacts_unused_and_unpacks_killed(
    invoke: Invoke, home: Path, tmp_path: Path
) -> None:
    from modelport.artifact.manifest import Manifest
    from modelport.artifact.reader import open_artifact, unpacked_root
    from modelport.artifact.writer import write_artifact

    settings = Settings(home=home)
    manifest = Manifest(name="iris", version="1", source_format="native", entry_point="m:M")
    info = write_artifact(tmp_path / "iris.zip", manifest=manifest, files={"m.pkl": b"weights"})
    root = _aged(unpacked_root(open_artifact(info.path), settings), hours=24 * 40)
    killed = settings.unpacked_dir / f".{root.name}.k1ll3d.partial"
    killed.mkdir()
    _aged(killed, hours=30)
    size = sum(path.stat().st_size for path in root.rglob("*") if path.is_file())

    dry = invoke("gc", "--json", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.output)["leftovers"] == [
        {"what": f"unfinished unpack {killed}", "bytes": 0},
        {"what": f"unpacked artifact {root}", "bytes": size},
    ]
    assert root.is_dir() and killed.is_dir()

    kept = invoke("gc", "--cache-days", "60")
    assert kept.exit_code == 0, kept.output
    assert f"removed unfinished unpack {killed}" in kept.output
    assert root.is_dir() and not killed.exists()

    done = invoke("gc")
    assert done.exit_code == 0, done.output
    assert f"removed unpacked artifact {root}" in done.output
    assert not root.exists()
    again = unpacked_root(open_artifact(info.path), settings)  # served again: unpacked again
    assert again == root and (root / "m.pkl").read_bytes() == b"weights"
