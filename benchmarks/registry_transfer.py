"""Peak memory of a large artifact through ``modelport server``: register it with the REST store
(streamed upload), then download it into the cache (streamed download), and report the peak RSS
of the server and of the client process.

    .venv/bin/python benchmarks/registry_transfer.py --mib 1024

Not part of ``make bench`` (it writes the artifact several times to disk); run by hand, figures
in the notes of the change that needs them.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

CHUNK = 8 * 1024 * 1024

CLIENT = """
import resource, sys, time
from pathlib import Path
from modelport.registry.blob_cache import BlobCache
from modelport.registry.rest.store import RestRegistryStore

url, artifact, digest, cache = sys.argv[1:5]
with RestRegistryStore(url, token=None, cache=BlobCache(Path(cache))) as store:
    started = time.monotonic()
    version, _ = store.register_version(
        name="big", artifact=Path(artifact), digest=digest, signature={}, metadata={},
        lineage={}, build={}, source_format="native",
    )
    uploaded = time.monotonic() - started
    started = time.monotonic()
    path = store.artifact_path(version)
    downloaded = time.monotonic() - started
print(uploaded, downloaded, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def _peak_mib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    raise RuntimeError("no VmHWM")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mib", type=int, default=1024, help="Artifact size in MiB.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        artifact = root / "big.zip"
        hasher = hashlib.sha256()
        with artifact.open("wb") as out:
            for _ in range(args.mib * 1024 * 1024 // CHUNK):
                block = os.urandom(CHUNK)
                hasher.update(block)
                out.write(block)
        digest = f"sha256:{hasher.hexdigest()}"
        port = 18000 + os.getpid() % 1000
        env = {**os.environ, "MODELPORT_HOME": str(root / "server"),
               "MODELPORT_MAX_ARTIFACT_BYTES": str(4 * args.mib * 1024 * 1024)}  # fmt: skip
        server = subprocess.Popen(
            [sys.executable, "-m", "modelport", "server", "--no-auth", "--port", str(port),
             "--registry", f"sqlite:///{root}/registry.db"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    if httpx.get(f"{url}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            idle = _peak_mib(server.pid)
            done = subprocess.run(
                [sys.executable, "-c", CLIENT, url, str(artifact), digest, str(root / "cache")],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            uploaded, downloaded, client_peak = done.stdout.split()
            print(f"artifact: {args.mib} MiB")
            print(f"server peak RSS: {_peak_mib(server.pid)} MiB (idle: {idle} MiB)")
            print(f"client peak RSS: {client_peak} MiB")
            print(f"upload {float(uploaded):.1f} s, download {float(downloaded):.1f} s")
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
