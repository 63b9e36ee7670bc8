"""One process registering an artifact into a registry whose blobs are in S3, then fetching it
back into an empty cache, as `modelport build` and `modelport serve` do; it prints what that
cost as JSON: seconds each way and the process's peak resident memory.

Run by ``benchmarks/blob_memory.py`` (``make bench-blobs``) on a 1 GiB artifact and by the
tests on a smaller one (tests/integration/blobs/test_s3_memory.py). The S3 endpoint and keys
come from the standard AWS environment variables.

    python benchmarks/blob_client.py ARTIFACT --blobs s3://bucket/prefix --home FOLDER
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

from modelport.registry.blobs import sha256_file
from modelport.registry.uris import open_store
from modelport.settings import Settings


def peak_rss() -> int:
    """This process's peak resident memory in bytes: ``VmHWM`` where Linux tells it.

    Not ``getrusage``'s ``ru_maxrss`` there: Linux carries the peak of the process image an
    ``exec`` replaced into it, so a client started by a large process (pytest) would report its
    parent's memory rather than its own."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("artifact", type=Path)
    parser.add_argument("--blobs", required=True, help="the blob store URI (s3://...)")
    parser.add_argument("--home", type=Path, required=True, help="an empty modelport home")
    args = parser.parse_args(argv)

    digest = sha256_file(args.artifact)
    settings = Settings(home=args.home, blobs_uri=args.blobs)
    with open_store(settings=settings) as store:
        started = time.perf_counter()
        version, _ = store.register_version(
            name="big", artifact=args.artifact, digest=digest, signature={}, metadata={},
            lineage={}, build={}, source_format="native",
        )  # fmt: skip
        put_seconds = time.perf_counter() - started
        started = time.perf_counter()
        fetched = store.artifact_path(version)
        get_seconds = time.perf_counter() - started
    assert fetched.stat().st_size == args.artifact.stat().st_size
    peak = peak_rss()
    report = {
        "bytes": args.artifact.stat().st_size,
        "put_seconds": round(put_seconds, 2),
        "get_seconds": round(get_seconds, 2),
        "peak_rss_bytes": peak,
        "fetched": str(fetched),
    }
    sys.stdout.write(json.dumps(report) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
