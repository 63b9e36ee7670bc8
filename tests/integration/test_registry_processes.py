"""The local registry under real processes: racing writers and writers killed with SIGKILL.

Each child is a real Python process (``subprocess``) running a small script against the same
SQLite file and blob folder; nothing in modelport's runtime code knows it is being tested.
"""

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
import sqlalchemy as sa

from modelport.registry import open_store
from modelport.registry.blobs import sha256_file
from modelport.registry.sql.engine import create_sqlite_engine, write_connection
from modelport.settings import Settings

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="uses SIGKILL")

_PRELUDE = """
import json, os, sys, time
from pathlib import Path
from modelport.registry import open_store
from modelport.registry.blobs import sha256_file
from modelport.settings import Settings

def register(store, artifact):
    return store.register_version(
        name="iris", artifact=artifact, digest=sha256_file(artifact), signature={},
        metadata={}, lineage={"source": str(artifact)}, build={}, source_format="native",
    )
"""

RACER = (
    _PRELUDE
    + """
uri, home, ready, go, *artifacts = sys.argv[1:]
Path(ready).touch()                      # imports done: wait for the others
while not Path(go).exists():
    time.sleep(0.001)
store = open_store(uri, settings=Settings(home=Path(home)))   # fresh file: migrations race too
for artifact in artifacts:
    version, created = register(store, Path(artifact))
    print(json.dumps({"number": version.number, "digest": version.digest, "created": created}))
store.close()
"""
)

LOOPER = (
    _PRELUDE
    + """
uri, home, workdir = sys.argv[1:]
store = open_store(uri, settings=Settings(home=Path(home)))
for i in range(1000):
    artifact = Path(workdir) / f"big-{os.getpid()}-{i}.zip"
    artifact.write_bytes(os.urandom(24 * 1024 * 1024))
    register(store, artifact)
    artifact.unlink()
"""
)

HOLDER = (
    _PRELUDE
    + """
from datetime import UTC, datetime
import sqlalchemy as sa
from modelport.registry.blobs import LocalBlobStore
from modelport.registry.sql import tables as t
from modelport.registry.sql.engine import create_sqlite_engine, write_connection

uri, home, artifact = sys.argv[1:]
open_store(uri, settings=Settings(home=Path(home))).close()          # create and migrate
artifact = Path(artifact)
digest = sha256_file(artifact)
LocalBlobStore(Settings(home=Path(home)).blobs_dir).put(artifact, digest=digest)  # step 1: blob
engine = create_sqlite_engine(Path(uri.removeprefix("sqlite:///")))
with write_connection(engine) as conn, conn.begin():                  # step 2: the transaction
    now = datetime.now(UTC)
    model_id = conn.execute(sa.insert(t.models).values(
        workspace_id=1, name="iris", created_at=now, updated_at=now)).inserted_primary_key[0]
    conn.execute(sa.insert(t.model_versions).values(
        model_id=model_id, number=1, digest=digest, size=artifact.stat().st_size,
        source_format="native", signature={}, metadata={}, lineage={}, build={}, created_at=now))
    print("holding", flush=True)
    time.sleep(600)                                                   # killed here
"""
)


def _spawn(script: str, *args: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.0005)


def _wait_for_count(count: Callable[[], int], at_least: int, what: str) -> None:
    _wait_for(lambda: count() >= at_least, 300, what)


def _assert_consistent(uri: str, home: Path) -> list[int]:
    """Every listed version has its whole blob; numbers run 1..n without a gap."""
    with open_store(uri, settings=Settings(home=home)) as store:
        versions = store.list_versions(name="iris")
        for version in versions:
            blob = store.artifact_path(version)
            assert sha256_file(blob) == version.digest
            assert blob.stat().st_size == version.size
    numbers = [v.number for v in versions]
    assert numbers == list(range(1, len(numbers) + 1))
    return numbers


def test_racing_processes_get_distinct_version_numbers(tmp_path: Path) -> None:
    """N processes start together on a brand-new registry file (so the migration races as
    well) and each registers its own artifacts of the same model. BEGIN IMMEDIATE
    serialises the writers: every artifact gets its own number, 1..total, and nobody fails."""
    processes, per_process = 4, 3
    uri = f"sqlite:///{tmp_path / 'registry.db'}"
    children = []
    for p in range(processes):
        artifacts = []
        for i in range(per_process):
            artifact = tmp_path / f"artifact-{p}-{i}.zip"
            artifact.write_bytes(f"process {p} artifact {i}".encode() * 1000)
            artifacts.append(artifact)
        ready = tmp_path / f"ready-{p}"
        children.append(
            (_spawn(RACER, uri, tmp_path, ready, tmp_path / "go", *artifacts), ready, artifacts)
        )
    _wait_for(lambda: all(ready.exists() for _, ready, _ in children), 120, "children to start")
    (tmp_path / "go").touch()

    reported = []
    for child, _, _ in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        reported += [json.loads(line) for line in out.splitlines()]

    total = processes * per_process
    assert sorted(r["number"] for r in reported) == list(range(1, total + 1))
    assert all(r["created"] for r in reported)
    all_artifacts = [a for _, _, artifacts in children for a in artifacts]
    assert {r["digest"] for r in reported} == {sha256_file(a) for a in all_artifacts}
    assert _assert_consistent(uri, tmp_path) == list(range(1, total + 1))
    with open_store(uri, settings=Settings(home=tmp_path)) as store:
        stored = {v.number: v.digest for v in store.list_versions(name="iris")}
    assert stored == {r["number"]: r["digest"] for r in reported}


def test_sigkill_while_writing_a_blob_leaves_a_consistent_registry(tmp_path: Path) -> None:
    """A child registers large artifacts in a loop; it is SIGKILLed the moment a temporary
    blob file appears, i.e. in the middle of copying an artifact. The temporary file it
    leaves behind proves the kill landed mid-write. Afterwards every listed version has its
    complete blob, numbers have no gap, and registering continues from the next number."""
    uri = f"sqlite:///{tmp_path / 'registry.db'}"
    blobs = Settings(home=tmp_path).blobs_dir
    open_store(uri, settings=Settings(home=tmp_path)).close()

    def temp_blobs() -> list[Path]:
        return list(blobs.rglob(".tmp-*"))

    def complete_blobs() -> list[Path]:
        return [p for p in blobs.rglob("*") if p.is_file() and not p.name.startswith(".tmp-")]

    landed_mid_write = False
    for _attempt in range(5):  # the temporary file may vanish between seeing it and the kill
        seen = len(temp_blobs())
        child = _spawn(LOOPER, uri, tmp_path, tmp_path)
        before = len(complete_blobs())
        _wait_for_count(lambda: len(complete_blobs()), before + 2, "two more versions")
        _wait_for_count(lambda: len(temp_blobs()), seen + 1, "a blob being written")
        os.kill(child.pid, signal.SIGKILL)
        child.communicate(timeout=60)
        assert child.returncode == -signal.SIGKILL
        if len(temp_blobs()) > seen:
            landed_mid_write = True
            break
    assert landed_mid_write, "the kill never landed while a blob was being written"

    numbers = _assert_consistent(uri, tmp_path)
    assert len(numbers) >= 2
    artifact = tmp_path / "after.zip"
    artifact.write_bytes(b"registered after the crash")
    with open_store(uri, settings=Settings(home=tmp_path)) as store:
        version, created = store.register_version(
            name="iris",
            artifact=artifact,
            digest=sha256_file(artifact),
            signature={},
            metadata={},
            lineage={},
            build={},
            source_format="native",
        )
    assert created
    assert version.number == numbers[-1] + 1


def test_sigkill_inside_the_transaction_registers_nothing(tmp_path: Path) -> None:
    """A child stores the blob, then opens the write transaction and inserts the model and
    version rows, and is SIGKILLed while holding it (we check it holds the write lock). The
    database rolls the transaction back: no model, no version, no lock left behind; the blob
    is an unreferenced leftover, and registering the same artifact again simply works."""
    uri = f"sqlite:///{tmp_path / 'registry.db'}"
    artifact = tmp_path / "model.zip"
    artifact.write_bytes(b"an artifact" * 10_000)
    digest = sha256_file(artifact)

    child = _spawn(HOLDER, uri, tmp_path, artifact)
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line.strip() == "holding", child.stderr.read() if child.stderr else ""

    impatient = create_sqlite_engine(tmp_path / "registry.db", busy_timeout=0.2)
    locked = pytest.raises(sa.exc.OperationalError, match="locked")  # the child holds it
    with locked, write_connection(impatient) as conn, conn.begin():
        pass
    os.kill(child.pid, signal.SIGKILL)
    child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL

    with write_connection(impatient) as conn, conn.begin():  # the lock died with the child
        assert conn.execute(sa.text("SELECT count(*) FROM model_versions")).scalar() == 0
    impatient.dispose()

    with open_store(uri, settings=Settings(home=tmp_path)) as store:
        assert store.list_models() == []
        leftover = Settings(home=tmp_path).blobs_dir / "sha256" / digest[7:9] / digest[7:]
        assert leftover.is_file()  # step 1 happened; harmless without a row
        version, created = store.register_version(
            name="iris",
            artifact=artifact,
            digest=digest,
            signature={},
            metadata={},
            lineage={},
            build={},
            source_format="native",
        )
        assert created
        assert version.number == 1
        assert store.artifact_path(version) == leftover
