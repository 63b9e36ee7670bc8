"""``make bench-blobs``: the memory a client holds registering a 1 GiB artifact into S3 and
fetching it back, against a real S3 API (moto's server on a loopback port).

A fresh process (``blob_client.py``) registers the artifact (a multipart upload, each part
read from the file as it is sent) and fetches it into an empty cache (streamed in chunks,
verified); its peak resident memory must stay under 150 MiB. moto's own peak is reported for
information: it is the test double's, not modelport's. The figures go into their own section of
docs/benchmarks.md (``sections.py``); the rest of the page is left as it is.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import sections

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))  # the tests' S3 server

from tests.integration.blobs.s3_server import S3Server  # noqa: E402

MIB = 1024 * 1024
BOUND = 150 * MIB
REPORT = ROOT / "docs" / "benchmarks.md"


def random_file(path: Path, size: int) -> None:
    with path.open("wb") as out:
        left = size
        while left:
            chunk = min(left, 8 * MIB)
            out.write(os.urandom(chunk))
            left -= chunk


def measure(size: int) -> dict[str, float | int]:
    server = S3Server()
    try:
        bucket = server.new_bucket()
        with tempfile.TemporaryDirectory(prefix="bench-blobs-") as scratch:
            artifact = Path(scratch) / "artifact.zip"
            random_file(artifact, size)
            done = subprocess.run(
                [
                    sys.executable, str(BENCH / "blob_client.py"), str(artifact),
                    "--blobs", f"s3://{bucket}/bench", "--home", str(Path(scratch) / "home"),
                ],
                env={**os.environ, **server.env},
                capture_output=True,
                text=True,
                check=False,
            )  # fmt: skip
            if done.returncode != 0:
                raise SystemExit(f"blob_client.py failed:\n{done.stderr}")
            figures: dict[str, float | int] = json.loads(done.stdout)
        figures["s3_server_peak_rss_bytes"] = server.peak_rss()
    finally:
        server.stop()
    return figures


def section(figures: dict[str, float | int]) -> str:
    client = int(figures["peak_rss_bytes"])
    verdict = "**met**" if client < BOUND else "**not met**"
    rss = f"{client / MIB:.0f} MiB (needed: under {BOUND // MIB} MiB: {verdict})"
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""## Artifacts in S3: the client's memory

Written by `make bench-blobs` (`benchmarks/blob_memory.py`) on {when}: one process registers an
artifact of random bytes into a registry whose blobs are in S3 (moto {metadata.version("moto")}'s
server on a loopback port, requests signed), then fetches it into an empty local cache, as
`modelport build` and `modelport serve` do. Python {platform.python_version()},
boto3 {metadata.version("boto3")}.

| | |
|---|---|
| artifact | {int(figures["bytes"]) / MIB:,.0f} MiB |
| client peak RSS, registering then fetching | {rss} |
| upload (8 MiB parts read from the file as sent, 4 at once) | {figures["put_seconds"]} s |
| download (1 MiB chunks into the cache, hashed on the way) | {figures["get_seconds"]} s |
| moto's peak RSS, for information | {int(figures["s3_server_peak_rss_bytes"]) / MIB:,.0f} MiB |

The times are moto's more than modelport's, on the same 2 cores as the client: moto keeps every
part in memory and joins them into one more copy when the upload completes (hence its peak of
about four times the artifact).
The client's peak is its `VmHWM` from `/proc/self/status`: `getrusage`'s `ru_maxrss` would
report the peak of the process that started it, which Linux carries across `exec`.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=1024, help="artifact size in MiB (1024)")
    parser.add_argument("--no-report", action="store_true", help="print, leave the docs alone")
    args = parser.parse_args(argv)
    figures = measure(args.mib * MIB)
    sys.stdout.write(json.dumps(figures, indent=2) + "\n")
    if not args.no_report:
        text = REPORT.read_text() if REPORT.exists() else ""
        REPORT.write_text(sections.replace(text, "blob-memory", section(figures)))
        sys.stdout.write(f"wrote the blob-memory section of {REPORT.relative_to(ROOT)}\n")
    return 0 if int(figures["peak_rss_bytes"]) < BOUND else 1


if __name__ == "__main__":
    sys.exit(main())
