"""A real S3 API for tests and benchmarks: moto's server, in a process of its own on an
ephemeral loopback port, checking request signatures like S3.

moto checks signatures only after its first ``INITIAL_NO_AUTH_ACTION_COUNT`` requests; the
server is started with that count at three, spent here on making an IAM user with a key and a
policy allowing S3, so every request after, the tests' and modelport's, is signed with that
key and one signed with another is refused (``InvalidAccessKeyId``), as S3 would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import boto3

from modelport.tether import tethered

_LAUNCH = """
import sys, threading
from moto.server import ThreadedMotoServer

server = ThreadedMotoServer("127.0.0.1", 0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
threading.Event().wait()
"""
_SETUP_REQUESTS = 3
_ALLOW_S3 = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}'  # noqa: E501
REGION = "us-east-1"


class S3Server:
    """moto's S3 server (see the module docstring); :attr:`env` is what a client needs."""

    def __init__(self) -> None:
        env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": str(_SETUP_REQUESTS)}
        self.process = subprocess.Popen(
            tethered(sys.executable, ["-c", _LAUNCH]),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        port = self.process.stdout.readline().strip()
        assert port.isdigit(), f"moto did not start (exit code {self.process.poll()})"
        self.endpoint = f"http://127.0.0.1:{port}"
        self.access_key, self.secret_key = self._make_user()
        self.env = {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": os.devnull,  # the machine's own AWS settings play no part
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }

    def _make_user(self) -> tuple[str, str]:
        iam = boto3.client(
            "iam",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="setup",
            aws_secret_access_key="setup",
        )
        iam.create_user(UserName="modelport")
        key = iam.create_access_key(UserName="modelport")["AccessKey"]
        iam.put_user_policy(UserName="modelport", PolicyName="s3", PolicyDocument=_ALLOW_S3)
        return key["AccessKeyId"], key["SecretAccessKey"]

    def client(self) -> Any:
        """A boto3 S3 client signed with the server's user's key."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
        )

    def new_bucket(self) -> str:
        """A bucket of the caller's own, named uniquely."""
        name = f"test-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def peak_rss(self) -> int:
        """The server process's peak resident memory so far, in bytes (Linux)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmHWM in /proc status")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
