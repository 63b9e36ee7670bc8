"""A remote registry end to end: ``modelport server`` as a real process, the REST store and the
CLI talking to it over HTTP with real tokens, ``build --registry http://...`` uploading,
``serve NAME@ALIAS --registry http://...`` downloading once into the cache and serving, and a
client killed with SIGKILL mid-upload registering nothing."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from modelport.errors import Conflict, Forbidden, NotFound, Unauthorised, Unreachable
from modelport.registry.blob_cache import BlobCache
from modelport.registry.rest.store import RestRegistryStore
from modelport.registry.transfers import reporting_to
from modelport.testing.server import free_port, start_server

from .cli import run_cli
from .registry_server import make_token, start_registry_server

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Remote:
    uri: str
    url: str
    tokens: dict[str, str]


@pytest.fixture(scope="module")
def remote(
    tmp_path_factory: pytest.TempPathFactory, live_registry_server: Callable[..., str]
) -> Remote:
    folder = tmp_path_factory.mktemp("remote-registry")
    uri = f"sqlite:///{folder}/registry.db"
    tokens = {
        "editor": make_token(uri, "ed", roles={"default": "editor"}),
        "viewer": make_token(uri, "vi", roles={"default": "viewer"}),
        "admin": make_token(uri, "root", admin=True, roles={}),
    }
    return Remote(uri, live_registry_server(uri), tokens)


def _store(remote: Remote, who: str | None, cache: Path) -> RestRegistryStore:
    token = remote.tokens[who] if who else None
    return RestRegistryStore(remote.url, token=token, cache=BlobCache(cache))


def test_the_rest_store_does_what_the_local_store_does(remote: Remote, tmp_path: Path) -> None:
    artifact = tmp_path / "model.zip"
    artifact.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    digest = "sha256:" + hashlib.sha256(artifact.read_bytes()).hexdigest()
    fields = {
        "signature": {"inputs": [{"name": "x"}]}, "metadata": {"framework": "t"},
        "lineage": {"git": "abc"}, "build": {"tests": 1}, "source_format": "native",
    }  # fmt: skip
    shown: list[tuple[str, int | None, list[int]]] = []

    class Transfers:
        """Told of every transfer, as the command line's bars are (``registry.transfers``)."""

        @contextmanager
        def transfer(self, what: str, total: int | None) -> Iterator[Callable[[int], None]]:
            chunks: list[int] = []
            shown.append((what.split(" to ")[0].split(" from ")[0], total, chunks))
            yield chunks.append

    with reporting_to(Transfers()), _store(remote, "editor", tmp_path / "cache") as editor:
        version, created = editor.register_version(
            name="remote-a", artifact=artifact, digest=digest, **fields, description="d"
        )
        assert (created, version.number, version.size) == (True, 1, artifact.stat().st_size)
        assert version.lineage == {"git": "abc"}
        assert editor.register_version(
            name="remote-a", artifact=artifact, digest=digest, **fields
        ) == (version, False)
        assert editor.set_alias(name="remote-a", alias="prod", number=1).version == 1
        assert editor.set_model_tag(name="remote-a", key="team", value="x").tags == {"team": "x"}
        with pytest.raises(Conflict, match="prod"):
            editor.delete_version(name="remote-a", number=1)

    size = artifact.stat().st_size
    assert [(what, total, sum(chunks)) for what, total, chunks in shown] == [
        ("uploading remote-a", size, size), ("uploading remote-a", size, size)
    ]  # fmt: skip
    shown.clear()
    with reporting_to(Transfers()), _store(remote, "viewer", tmp_path / "cache") as viewer:
        assert "remote-a" in [m.name for m in viewer.list_models()]
        assert viewer.get_model(name="remote-a").description == "d"
        resolved = viewer.resolve("remote-a@prod")
        assert resolved == viewer.get_version(name="remote-a", number=1)
        assert resolved.aliases == ("prod",)
        path = viewer.artifact_path(resolved)
        assert path.read_bytes() == artifact.read_bytes()
        inode = path.stat().st_ino  # a download would rename a new file into place
        assert viewer.artifact_path(resolved) == path  # from the cache, not downloaded again
        assert path.stat().st_ino == inode
        assert [(what, sum(chunks)) for what, _, chunks in shown] == [
            ("downloading remote-a:1", size)
        ]
        with pytest.raises(Forbidden, match="viewer"):
            viewer.set_alias(name="remote-a", alias="prod", number=1)
        with pytest.raises(NotFound) as missing:
            viewer.get_version(name="remote-a", number=9)
        assert missing.value.field == "version"
        assert [w.name for w in viewer.list_workspaces()] == ["default"]

    with _store(remote, None, tmp_path / "cache") as anonymous, pytest.raises(Unauthorised):
        anonymous.list_models()
    with _store(remote, "admin", tmp_path / "cache") as admin:
        assert admin.create_workspace(name="remote-team").name == "remote-team"
        assert admin.collect_orphan_blobs(dry_run=True) == {}
    nowhere = RestRegistryStore(
        f"http://127.0.0.1:{free_port()}", token=None, cache=BlobCache(tmp_path)
    )
    with nowhere, pytest.raises(Unreachable, match="cannot reach"):
        nowhere.list_models()


def test_the_cli_builds_to_and_serves_from_a_remote_registry(
    remote: Remote, project_factory: Callable[..., Path], tmp_path: Path
) -> None:
    project = project_factory(tmp_path / "remote-echo")
    env = {"MODELPORT_TOKEN": remote.tokens["editor"]}
    home = tmp_path / "client-home"

    def cli(*args: str) -> dict[str, object] | list[object]:
        result = run_cli("--registry", remote.url, *args, "--json", home=home, env=env)
        assert result.code == 0, result.stderr
        parsed: dict[str, object] | list[object] = result.json()
        return parsed

    built = run_cli("build", str(project), "--env", "inherit", "--registry", remote.url, "--json",
                    home=home, env=env).json()  # fmt: skip
    assert isinstance(built, dict)
    assert built["created"] is True
    cli("alias", "set", "remote-echo", "prod", "1")
    cli("tag", "set", "remote-echo", "team", "ml")
    listed = cli("models", "list")
    assert "remote-echo" in [m["name"] for m in listed if isinstance(m, dict)]
    shown = cli("models", "show", "remote-echo")
    assert isinstance(shown, dict)
    assert shown["aliases"] == [
        {"workspace": "default", "model": "remote-echo", "name": "prod", "version": 1}
    ]

    environ = {"MODELPORT_HOME": str(home), **env}
    with start_server(
        "remote-echo@prod",
        log_dir=tmp_path,
        serve_options=["--registry", remote.url, "--env", "inherit"],
        env=environ,
        ready_timeout=180,
    ) as server:
        answer = httpx.get(f"{server.url}/v2/models/remote-echo", timeout=10)
        assert answer.status_code == 200, answer.text
    cached = list((home / "cache" / "blobs" / "sha256").glob("*/*"))
    assert len(cached) == 1
    assert "sha256:" + cached[0].name == shown["versions"][0]["digest"]  # type: ignore[index]

    refused = run_cli("--registry", remote.url, "rm", "remote-echo:1", home=home, env=env)
    assert refused.code == 1
    assert "alias" in refused.stderr
    viewer = {"MODELPORT_TOKEN": remote.tokens["viewer"]}
    forbidden = run_cli(
        "--registry", remote.url, "rm", "remote-echo", "--yes", home=home, env=viewer
    )
    assert forbidden.code == 1
    assert "viewer" in forbidden.stderr
    cli("rm", "remote-echo", "--yes")
    gone = run_cli("--registry", remote.url, "models", "show", "remote-echo", home=home, env=env)
    assert gone.code == 1
    assert "does not exist" in gone.stderr


def test_serving_from_a_registry_server_can_take_its_tokens(
    remote: Remote, project_factory: Callable[..., Path], tmp_path: Path
) -> None:
    """``serve --auth-from-registry``: a token that server accepts, of a user with a role in the
    model's workspace (or an administrator), is let in; a user without one is refused 403, an
    unknown token or none 401; the probes answer without one."""
    project = project_factory(tmp_path / "guarded-echo")
    editor = {"MODELPORT_TOKEN": remote.tokens["editor"]}
    home = tmp_path / "client-home"
    built = run_cli("build", str(project), "--env", "inherit", "--registry", remote.url, "--json",
                    home=home, env=editor)  # fmt: skip
    assert built.code == 0, built.stderr
    outsider = make_token(remote.uri, "outsider", roles={})
    with start_server(
        "guarded-echo",
        log_dir=tmp_path,
        serve_options=["--registry", remote.url, "--env", "inherit", "--auth-from-registry"],
        env={"MODELPORT_HOME": str(home), **editor},
        ready_timeout=180,
    ) as server:
        metadata = f"{server.url}/v2/models/guarded-echo"

        def status(token: str | None) -> int:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            return httpx.get(metadata, headers=headers, timeout=10).status_code

        assert status(remote.tokens["viewer"]) == 200
        assert status(remote.tokens["admin"]) == 200
        assert status(outsider) == 403
        refused = httpx.get(metadata, headers={"Authorization": f"Bearer {outsider}"}).json()
        assert "outsider" in refused["detail"] and "default" in refused["detail"]
        assert status("mpt_not-a-token") == 401
        assert status(None) == 401
        assert httpx.get(f"{server.url}/v2/health/ready", timeout=10).status_code == 200
        predicted = httpx.post(
            f"{server.url}/v1/models/guarded-echo/predict",
            json=[{"text": "hi"}],
            headers={"Authorization": f"Bearer {remote.tokens['viewer']}"},
            timeout=10,
        )
        assert predicted.status_code == 200, predicted.text


def test_tokens_from_a_registry_need_a_registry_server(tmp_path: Path) -> None:
    refused = run_cli("serve", "anything", "--auth-from-registry", home=tmp_path / "home")
    assert refused.code != 0
    assert "--auth-from-registry" in refused.stderr
    assert "modelport server" in refused.stderr


_SLOW_UPLOADER = textwrap.dedent(
    """
    import sys, time
    import httpx

    url, token = sys.argv[1:3]
    boundary = "modelport-test-boundary"

    def body():
        yield (
            f"--{boundary}\\r\\nContent-Disposition: form-data; name=registration\\r\\n"
            f"Content-Type: application/json\\r\\n\\r\\n"
            '{"source_format": "native"}\\r\\n'
            f"--{boundary}\\r\\nContent-Disposition: form-data; name=artifact; filename=a.zip\\r\\n"
            "Content-Type: application/zip\\r\\n\\r\\n"
        ).encode()
        for _ in range(4):
            yield b"x" * 1024 * 1024
        print("sent", flush=True)
        time.sleep(600)

    httpx.post(
        url,
        content=body(),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
        timeout=None,
    )
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="uses SIGKILL")
def test_a_client_killed_mid_upload_registers_nothing(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/registry.db"
    token = make_token(uri, "ed", roles={"default": "editor"})
    home = tmp_path / "server-home"
    with start_registry_server(uri, home=home) as server:
        url = f"{server.url}/api/v1/workspaces/default/models/killed/versions"
        client = subprocess.Popen(
            [sys.executable, "-c", _SLOW_UPLOADER, url, token],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert client.stdout is not None
            assert client.stdout.readline().strip() == "sent"
            _wait_for_partial_upload(home)
        finally:
            client.send_signal(signal.SIGKILL)
            client.wait()
        deadline = time.monotonic() + 30
        while _partial_uploads(home):
            assert time.monotonic() < deadline, "the partial upload was left behind"
            time.sleep(0.05)
        with RestRegistryStore(server.url, token=token, cache=BlobCache(tmp_path / "c")) as store:
            with pytest.raises(NotFound):
                store.get_model(name="killed")
            assert store.list_models() == []
        assert server.stop() == 0
        assert "Traceback" not in server.output()


def test_no_auth_off_loopback_warns_and_answers_without_a_token(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/registry.db"
    with start_registry_server(uri, home=tmp_path / "home", auth=False, host="0.0.0.0") as server:
        answer = httpx.get(f"{server.url}/api/v1/workspaces/default/models", timeout=10)
        assert (answer.status_code, answer.json()["models"]) == (200, [])
        whoami = httpx.get(f"{server.url}/api/v1/whoami", timeout=10).json()
        assert whoami["user"] == "local"
    output = server.output()
    assert "warning: --no-auth on 0.0.0.0" in output
    assert "no users yet" not in output


def test_a_server_with_no_users_says_how_to_add_one(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/registry.db"
    with start_registry_server(uri, home=tmp_path / "home") as server:
        refused = httpx.get(f"{server.url}/api/v1/workspaces", timeout=10)
        assert refused.status_code == 401
        assert refused.headers["content-type"] == "application/problem+json"
        assert "API token" in refused.json()["detail"]
    assert "modelport users add NAME --admin" in server.output()


def test_concurrent_registrations_get_distinct_consecutive_versions(
    remote: Remote, tmp_path: Path
) -> None:
    """Twenty clients registering at once through the server on SQLite: versions 1 to 20."""
    _race_registrations(remote, clients=20, tmp_path=tmp_path)


def test_100_concurrent_registrations_through_a_server_on_postgresql(
    postgres_registry_uri: str, tmp_path: Path
) -> None:
    """A hundred clients registering one model at once through ``modelport server`` keeping
    its registry on PostgreSQL: a hundred distinct, consecutive versions, none lost."""
    uri = postgres_registry_uri
    tokens = {
        "editor": make_token(uri, "ed", roles={"default": "editor"}),
        "viewer": make_token(uri, "vi", roles={"default": "viewer"}),
    }
    server = start_registry_server(uri, home=tmp_path / "server")
    try:
        _race_registrations(Remote(uri, server.url, tokens), clients=100, tmp_path=tmp_path)
    finally:
        server.stop()


def _race_registrations(remote: Remote, *, clients: int, tmp_path: Path) -> None:
    """``clients`` threads, each with a REST store of its own, register one new model's
    artifacts at the same moment; each gets its own version, 1 to ``clients``, holding its own
    artifact."""
    artifacts = []
    for index in range(clients):
        artifact = tmp_path / f"a{index}.zip"
        artifact.write_bytes(os.urandom(64 * 1024) + bytes([index]))
        artifacts.append(artifact)
    start = threading.Barrier(clients, timeout=60)

    def register(artifact: Path) -> int:
        with _store(remote, "editor", tmp_path / "cache") as store:
            start.wait()  # every client connected and ready: all register at once
            version, created = store.register_version(
                name="raced", artifact=artifact,
                digest="sha256:" + hashlib.sha256(artifact.read_bytes()).hexdigest(),
                signature={}, metadata={}, lineage={}, build={}, source_format="native",
            )  # fmt: skip
            assert created
            return version.number

    with ThreadPoolExecutor(max_workers=clients) as pool:
        numbers = list(pool.map(register, artifacts))
    assert sorted(numbers) == list(range(1, clients + 1))
    with _store(remote, "viewer", tmp_path / "cache") as viewer:
        listed = viewer.list_versions(name="raced")
        model = viewer.get_model(name="raced")
    assert [v.number for v in listed] == list(range(1, clients + 1))
    assert (model.version_count, model.latest_version) == (clients, clients)
    by_number = {v.number: v.digest for v in listed}
    for artifact, number in zip(artifacts, numbers, strict=True):
        assert by_number[number] == "sha256:" + hashlib.sha256(artifact.read_bytes()).hexdigest()


def _partial_uploads(home: Path) -> list[Path]:
    return list((home / "uploads").rglob(".upload-*"))


def _wait_for_partial_upload(home: Path) -> None:
    deadline = time.monotonic() + 30
    while not any(p.stat().st_size > 0 for p in _partial_uploads(home)):
        assert time.monotonic() < deadline, "the server never received the upload"
        time.sleep(0.05)


@pytest.mark.skipif(sys.platform == "win32", reason="uses SIGKILL")
def test_a_server_killed_mid_upload_leaves_nothing_once_started_again(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/registry.db"
    token = make_token(uri, "ed", roles={"default": "editor"})
    home = tmp_path / "server-home"
    server = start_registry_server(uri, home=home)
    url = f"{server.url}/api/v1/workspaces/default/models/killed/versions"
    client = subprocess.Popen(
        [sys.executable, "-c", _SLOW_UPLOADER, url, token], stdout=subprocess.DEVNULL
    )
    try:
        _wait_for_partial_upload(home)
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()
    finally:
        client.kill()
        client.wait()
    [left] = _partial_uploads(home)
    with start_registry_server(uri, home=home) as again:
        assert not left.exists()
        assert _partial_uploads(home) == []
        assert "that was killed" in again.output()
        with RestRegistryStore(again.url, token=token, cache=BlobCache(tmp_path / "c")) as store:
            assert store.list_models() == []
