"""Registering and fetching an artifact larger than the memory bound, in a process of its own:
its peak resident memory stays under 150 MiB, so the blob was never held whole (the 1 GiB
figure is `make bench-blobs`'s, in docs/benchmarks.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .s3_server import S3Server

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
MIB = 1024 * 1024


def test_a_256_mib_artifact_goes_up_and_comes_back_in_under_150_mib(tmp_path: Path) -> None:
    artifact = tmp_path / "artifact.zip"
    with artifact.open("wb") as out:
        for _ in range(32):
            out.write(os.urandom(8 * MIB))
    server = S3Server()  # its own: moto holds what it is sent, and this lets it go after
    try:
        bucket = server.new_bucket()
        done = subprocess.run(
            [
                sys.executable, str(ROOT / "benchmarks" / "blob_client.py"), str(artifact),
                "--blobs", f"s3://{bucket}/models", "--home", str(tmp_path / "home"),
            ],
            env={**os.environ, **server.env},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        figures = json.loads(done.stdout)
        [stored] = server.client().list_objects_v2(Bucket=bucket)["Contents"]
        head = server.client().head_object(Bucket=bucket, Key=stored["Key"])
    finally:
        server.stop()
    assert figures["bytes"] == 256 * MIB
    assert head["ETag"].strip('"').endswith("-32")  # 32 parts of 8 MiB
    assert figures["peak_rss_bytes"] < 150 * MIB, figures
    assert Path(figures["fetched"]).stat().st_size == 256 * MIB
