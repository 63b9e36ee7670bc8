"""100 registrations of one model at the same moment, on a real PostgreSQL: 4 processes of 25
threads each call ``register_version`` together, and every one gets its own version number,
1 to 100, with none lost, none repeated and every artifact stored."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from modelport.registry import open_store
from modelport.registry.blobs import sha256_file
from modelport.settings import Settings

PROCESSES = 4
THREADS = 25

RACER = """
import json, sys, threading, time, zipfile
from pathlib import Path
from modelport.registry import open_store
from modelport.registry.blobs import sha256_file
from modelport.settings import Settings

uri, home, workdir, ready, go, process, threads = sys.argv[1:]
store = open_store(uri, settings=Settings(home=Path(home)))
artifacts = []
for i in range(int(threads)):
    path = Path(workdir) / f"p{process}-t{i}.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("model.bin"), f"{process}-{i}".encode() * 50)
    artifacts.append(path)
barrier = threading.Barrier(len(artifacts))
results = []

def register(artifact):
    barrier.wait()
    version, created = store.register_version(
        name="racer", artifact=artifact, digest=sha256_file(artifact), signature={},
        metadata={}, lineage={}, build={}, source_format="native",
    )
    results.append({"number": version.number, "digest": version.digest, "created": created})

workers = [threading.Thread(target=register, args=(a,)) for a in artifacts]
Path(ready).touch()
while not Path(go).exists():
    time.sleep(0.001)
for worker in workers:
    worker.start()
for worker in workers:
    worker.join()
store.close()
print(json.dumps(results))
"""


@pytest.mark.slow
def test_100_concurrent_registrations_get_100_consecutive_versions(
    postgres_registry_uri: str, tmp_path: Path
) -> None:
    home, workdir = tmp_path / "home", tmp_path / "work"
    workdir.mkdir()
    open_store(postgres_registry_uri, settings=Settings(home=home)).close()  # migrated first
    go = tmp_path / "go"
    readies = [tmp_path / f"ready-{p}" for p in range(PROCESSES)]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, postgres_registry_uri, str(home), str(workdir),
             str(ready), str(go), str(p), str(THREADS)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for p, ready in enumerate(readies)
    ]  # fmt: skip
    deadline = time.monotonic() + 120
    while not all(r.exists() for r in readies) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    results = []
    for child in children:
        stdout, stderr = child.communicate(timeout=180)
        assert child.returncode == 0, stderr
        results += json.loads(stdout)

    assert len(results) == PROCESSES * THREADS
    assert all(r["created"] for r in results)
    assert sorted(r["number"] for r in results) == list(range(1, PROCESSES * THREADS + 1))
    assert len({r["digest"] for r in results}) == PROCESSES * THREADS
    with open_store(postgres_registry_uri, settings=Settings(home=home)) as store:
        stored = store.list_versions(name="racer")
        assert [v.number for v in stored] == list(range(1, PROCESSES * THREADS + 1))
        assert {v.number: v.digest for v in stored} == {r["number"]: r["digest"] for r in results}
        for version in stored:
            assert sha256_file(store.artifact_path(version)) == version.digest
