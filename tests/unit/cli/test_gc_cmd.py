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
