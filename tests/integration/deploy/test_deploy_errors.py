"""What ``modelport deploy`` refuses, each with one error line naming what to fix."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from ..cli import run_cli
from .ray_cluster import free_ports


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["echo", "--target", "k8s://x"],
            "--target 'k8s://x' is neither ray://HOST:PORT nor local",
        ),
        (["./echo", "--target", "local"], "./echo is not a registry reference"),
        (["echo", "--target", "local", "--autoscale", "1:3"], "--autoscale needs a Ray target"),
        (["echo", "--target", "local", "--replicas", "2", "--autoscale", "1:2"], "exclusive"),
        (["nosuch", "--target", "local"], "nosuch"),
        (["status", "nosuch"], "no deployment nosuch"),
        (["echo", "--target", "local", "--shadow", "2"], "--canary and --shadow need a Ray"),
        (["echo", "--target", "local", "--canary", "10%"], "--canary needs --canary-version"),
        (["promote", "nosuch"], "no deployment nosuch"),
    ],
)
def test_refused(shared_home: Path, echo_project: Path, args: list[str], says: str) -> None:
    refused = run_cli("deploy", *args, home=shared_home)
    assert refused.code == 1, refused.stdout
    assert refused.stderr.startswith("error: ") and says in refused.stderr, refused.stderr


def test_a_cluster_that_does_not_answer_is_named_at_once(
    shared_home: Path, echo_project: Path
) -> None:
    pytest.importorskip("ray.serve", reason="ray[serve] is not installed")
    [port] = free_ports(1)
    refused = run_cli("deploy", "echo", "--target", f"ray://127.0.0.1:{port}", home=shared_home)
    assert refused.code == 1
    assert f"no Ray cluster answers at ray://127.0.0.1:{port}" in refused.stderr, refused.stderr


def test_a_local_port_in_use_is_refused_at_once(shared_home: Path, echo_project: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = run_cli(
            "deploy", "echo", "--target", "local", "--port", str(port), home=shared_home
        )
    assert refused.code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in refused.stderr, refused.stderr
