"""docs/cluster.md, "From laptop to cluster", run as written: every line of its shell blocks, in
order, in a fresh folder and home, against the session's Ray cluster (its GCS and proxy ports put
in place of the guide's 6379 and 8000). ``modelport serve`` runs until its block ends, the
``curl`` lines asking it; installing and starting Ray is the session cluster's work, and Docker
and kubectl lines run where their engine or cluster answers."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from modelport.testing import start_server
from tests.integration.deploy.ray_cluster import RayCluster

pytest.importorskip(
    "ray.data", reason="ray[serve,data] is not installed (pip install modelport[ray])"
)

pytestmark = pytest.mark.slow

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "cluster.md"
BIN = Path(sys.executable).parent
DONE_BY_THE_SESSION = ("pip install", "ray start")
"""Lines the test session has done already: modelport[ray] is installed, the cluster runs."""


def blocks() -> list[list[str]]:
    """The guide's shell blocks, each a list of its command lines (continuations joined)."""
    found = []
    for block in re.findall(r"^```sh\n(.*?)^```$", GUIDE.read_text(), re.S | re.M):
        found.append([line for line in block.replace("\\\n", " ").splitlines() if line.strip()])
    return found


def _answers(engine: str) -> bool:
    """Whether ``docker`` has an engine, or ``kubectl`` a cluster, to talk to."""
    if shutil.which(engine) is None:
        return False
    probe = ["docker", "info"] if engine == "docker" else ["kubectl", "get", "crd"]
    try:
        done = subprocess.run(probe, capture_output=True, timeout=20, check=False)
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0


def test_the_guide_has_every_step() -> None:
    lines = [line for block in blocks() for line in block]
    words = {" ".join(shlex.split(line, comments=True)[:2]) for line in lines}
    expected = {"modelport build", "modelport serve", "modelport deploy", "modelport export"}
    assert expected | {"modelport batch", "ray start", "curl -s"} <= words
    assert sum("--target ray://" in line for line in lines) >= 2  # deployed, and batch on Ray


def test_every_command_of_the_guide_works(tmp_path: Path, ray_session_cluster: RayCluster) -> None:
    cluster, folder = ray_session_cluster, tmp_path
    env = {
        **os.environ,
        "MODELPORT_HOME": str(folder / "home"),
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "COLUMNS": "200",
    }
    env.pop("MODELPORT_REGISTRY_URI", None)
    ports = {"6379": str(cluster.gcs_port), "8000": str(cluster.http_port)}
    engines = {engine: _answers(engine) for engine in ("docker", "kubectl")}
    for block in blocks():
        with ExitStack() as served:
            for line in block:
                line = re.sub(r"\b(6379|8000)\b", lambda m: ports[m[1]], line)
                words = shlex.split(line, comments=True)
                if line.startswith(DONE_BY_THE_SESSION) or engines.get(words[0]) is False:
                    continue
                if words[:2] == ["modelport", "serve"]:
                    options = _without_port(words[3:])
                    server = served.enter_context(
                        start_server(
                            words[2],
                            serve_options=options,
                            log_dir=folder,
                            ready_timeout=300,
                            env={"MODELPORT_HOME": env["MODELPORT_HOME"]},
                        )
                    )
                    ports["8080"] = server.url.rsplit(":", 1)[1]
                    continue
                line = re.sub(r"\b8080\b", ports.get("8080", "8080"), line)
                done = subprocess.run(
                    ["bash", "-c", f"set -euo pipefail; {line}"],
                    cwd=folder, env=env, capture_output=True, text=True, timeout=900,
                    check=False,
                )  # fmt: skip
                said = f"{line}\n{done.stdout}{done.stderr}"
                assert done.returncode == 0, said
                if words[0] == "curl":
                    assert done.stdout.strip() == '[{"species":0}]', said
    assert pq.read_table(folder / "species-ray.parquet").equals(
        pq.read_table(folder / "species.parquet")
    )
    assert (folder / "iris-image" / "Dockerfile").is_file()
    assert (folder / "iris-kserve" / "inference-service.yaml").is_file()


def _without_port(options: list[str]) -> list[str]:
    """``modelport serve``'s options but ``--port N``: the test serves on a free port."""
    kept, skip = [], False
    for word in options:
        if skip:
            skip = False
        elif word == "--port":
            skip = True
        else:
            kept.append(word)
    return kept
