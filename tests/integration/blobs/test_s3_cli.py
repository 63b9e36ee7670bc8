"""The CLI with its artifacts in S3 (moto's server): `modelport build ... --blobs s3://...`
uploads, `modelport serve NAME --blobs s3://...` downloads once into the local cache and
answers, `modelport gc` cleans the bucket, a registration killed mid-upload leaves nothing
visible, and a missing bucket, refused credentials or a dead endpoint are one line naming the
URI."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from modelport.testing import start_server

from ..cli import run_cli
from .s3_server import S3Server

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class S3Registry:
    home: Path
    bucket: str
    blobs: str
    env: dict[str, str]


@pytest.fixture(scope="module")
def s3_registry(
    s3_server: S3Server,
    project_factory: Callable[..., Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> S3Registry:
    """A registry whose `echo:1` was built with its artifact in S3."""
    home = tmp_path_factory.mktemp("s3-home")
    bucket = s3_server.new_bucket()
    registry = S3Registry(home, bucket, f"s3://{bucket}/team", s3_server.env)
    project = project_factory(tmp_path_factory.mktemp("s3-src") / "echo")
    built = run_cli(
        "build", str(project), "--env", "inherit", "--blobs", registry.blobs,
        home=home, env=registry.env,
    )  # fmt: skip
    assert built.code == 0, built.stderr
    return registry


def _keys(server: S3Server, bucket: str) -> list[str]:
    listed = server.client().list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in listed.get("Contents", []))


def test_build_uploads_to_s3_and_serve_answers_from_the_downloaded_copy(
    s3_registry: S3Registry, s3_server: S3Server, tmp_path: Path
) -> None:
    [key] = _keys(s3_server, s3_registry.bucket)
    assert key.startswith("team/sha256/")
    assert not (s3_registry.home / "blobs").exists()  # nothing went to the local folder

    env = {"MODELPORT_HOME": str(s3_registry.home), **s3_registry.env}
    options = ["--blobs", s3_registry.blobs, "--env", "inherit"]
    with start_server("echo", log_dir=tmp_path, serve_options=options, env=env) as server:
        answer = httpx.post(
            f"{server.url}/v1/models/echo/predict", json=[{"text": "hi"}], timeout=10
        )
        assert answer.json() == [{"reply": "echo: hi"}]
        assert server.stop() == 0
    cached = s3_registry.home / "cache" / "blobs" / "sha256" / key[12:14] / key[12:]
    assert cached.is_file()


def test_gc_removes_blobs_in_the_bucket_no_version_uses(
    s3_registry: S3Registry, s3_server: S3Server
) -> None:
    [used] = _keys(s3_server, s3_registry.bucket)
    orphan = "team/sha256/" + "0" * 64
    s3_server.client().put_object(Bucket=s3_registry.bucket, Key=orphan, Body=b"left over")

    gc = run_cli(
        "gc", "--json", "--blobs", s3_registry.blobs, home=s3_registry.home, env=s3_registry.env
    )

    assert gc.code == 0, gc.stderr
    assert gc.json()["blobs"] == [{"digest": "sha256:" + "0" * 64, "bytes": 9}]
    assert _keys(s3_server, s3_registry.bucket) == [used]


REGISTER_THEN_STALL = """
import contextlib, pathlib, sys, time
from modelport.registry.blobs import sha256_file
from modelport.registry.transfers import reporting_to
from modelport.registry.uris import open_store

artifact, mark = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])

class StallAfterTheFirstPart:
    @contextlib.contextmanager
    def transfer(self, label, total):
        def advance(count):
            mark.write_text(label)  # one part is up: the test kills this process now
            time.sleep(300)
        yield advance

with reporting_to(StallAfterTheFirstPart()):
    open_store().register_version(
        name="big", artifact=artifact, digest=sha256_file(artifact), signature={},
        metadata={}, lineage={}, build={}, source_format="native",
    )
"""


def test_a_registration_killed_mid_upload_leaves_no_blob_and_no_version(
    s3_server: S3Server, tmp_path: Path
) -> None:
    bucket = s3_server.new_bucket()
    blobs = f"s3://{bucket}/team"
    home, mark = tmp_path / "home", tmp_path / "uploading"
    artifact = tmp_path / "big.zip"
    artifact.write_bytes(os.urandom(20 * 1024 * 1024))  # three parts of 8 MiB
    env = {**os.environ, **s3_server.env, "MODELPORT_HOME": str(home), "MODELPORT_BLOBS_URI": blobs}
    register = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(REGISTER_THEN_STALL), str(artifact), str(mark)],
        env=env,
    )
    try:
        deadline = time.monotonic() + 120
        while not mark.exists():
            assert register.poll() is None, "the registration ended before its upload"
            assert time.monotonic() < deadline, "timed out waiting for the upload"
            time.sleep(0.05)
    finally:
        register.send_signal(signal.SIGKILL)
        register.wait()
    assert register.returncode == -signal.SIGKILL

    client = s3_server.client()
    [upload] = client.list_multipart_uploads(Bucket=bucket)["Uploads"]  # it was mid-upload
    parts = client.list_parts(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
    assert 1 <= len(parts.get("Parts", [])) <= 3  # of 3: up, but never completed
    assert _keys(s3_server, bucket) == []  # no visible blob
    models = run_cli("models", "list", "--json", "--blobs", blobs, home=home, env=s3_server.env)
    assert models.code == 0, models.stderr
    assert models.json() == []  # no registered version
    # moto dates every multipart upload 2010-11-10: a bound of a million hours keeps it, as the
    # default of 24 keeps an upload begun today (it may still be going on)
    gc = run_cli(
        "gc", "--json", "--stale-hours", "1000000", "--blobs", blobs, home=home, env=s3_server.env
    )
    assert gc.code == 0, gc.stderr
    assert gc.json()["blobs"] == []
    assert gc.json()["leftovers"] == []
    assert len(client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])) == 1

    swept = run_cli(
        "gc", "--json", "--stale-hours", "0", "--blobs", blobs, home=home, env=s3_server.env
    )
    assert swept.code == 0, swept.stderr
    [leftover] = swept.json()["leftovers"]
    assert leftover["what"] == f"unfinished upload of s3://{bucket}/{upload['Key']}"
    assert leftover["bytes"] == sum(part["Size"] for part in parts["Parts"])
    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []  # aborted


def _dead_endpoint() -> str:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


@pytest.mark.parametrize("failure", ["missing bucket", "bad credentials", "endpoint down"])
def test_what_keeps_the_store_from_being_used_is_one_line_naming_its_uri(
    s3_server: S3Server, tmp_path: Path, failure: str
) -> None:
    bucket = "no-such-bucket" if failure == "missing bucket" else s3_server.new_bucket()
    env = dict(s3_server.env)
    if failure == "bad credentials":
        env["AWS_SECRET_ACCESS_KEY"] = "not-the-secret"
    if failure == "endpoint down":
        env["AWS_ENDPOINT_URL"] = _dead_endpoint()
    uri = f"s3://{bucket}/team"

    gc = run_cli("gc", "--blobs", uri, home=tmp_path / "home", env=env)

    assert gc.code == 1
    [line] = gc.stderr.strip().splitlines()
    assert line.startswith("error: ")
    assert uri in line
    expected = {
        "missing bucket": "does not exist",
        "bad credentials": "refused the credentials",
        "endpoint down": "did not answer",
    }[failure]
    assert expected in line
    assert "Traceback" not in gc.stderr


def test_serve_refuses_a_blob_changed_in_the_bucket_and_caches_nothing(
    s3_registry: S3Registry, s3_server: S3Server, tmp_path: Path
) -> None:
    """Another registry on a copy of echo whose bytes in S3 were then changed by hand."""
    artifact = tmp_path / "echo.zip"
    exported = run_cli(
        "export", "echo:1", "-o", str(artifact), "--blobs", s3_registry.blobs,
        home=s3_registry.home, env=s3_registry.env,
    )  # fmt: skip
    assert exported.code == 0, exported.stderr
    home, blobs = tmp_path / "home", f"s3://{s3_registry.bucket}/tampered"
    imported = run_cli("import", str(artifact), "--blobs", blobs, home=home, env=s3_registry.env)
    assert imported.code == 0, imported.stderr
    [key] = [k for k in _keys(s3_server, s3_registry.bucket) if k.startswith("tampered/")]
    body = bytearray(artifact.read_bytes())
    body[-100] ^= 0xFF  # one byte of the zip's directory
    s3_server.client().put_object(Bucket=s3_registry.bucket, Key=key, Body=bytes(body))

    served = run_cli("serve", "echo", "--blobs", blobs, home=home, env=s3_registry.env)

    assert served.code == 1
    [line] = served.stderr.strip().splitlines()
    digest = "sha256:" + key.rpartition("/")[2]
    assert f"error: blob {digest} in {blobs} does not match its digest" in line
    assert not [p for p in (home / "cache").rglob("*") if p.is_file()]
