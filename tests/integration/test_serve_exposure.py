"""Who may use a `modelport serve` process (real processes, real clients): bearer tokens from
``MODELPORT_AUTH_TOKEN`` and ``--auth-tokens-file`` on every route but the probes, the Host
header checked, a request from another site's page refused, a form body never read as JSON,
and HTTPS with ``--ssl-certfile``/``--ssl-keyfile`` (a self-signed certificate made here)."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from modelport.testing import ServerProcess, start_server

from .cli import run_cli

FILE_TOKEN = "file-token-4f1c2b"
ENV_TOKEN = "env-token-9a8d7e"
ROWS = [{"text": "hi"}]


@pytest.fixture(scope="module")
def home(project_factory: Callable[..., Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("exposure-home")
    project = project_factory(tmp_path_factory.mktemp("exposure-src") / "echo")
    result = run_cli("build", str(project), "--env", "inherit", home=home)
    assert result.code == 0, result.stderr
    return home


@pytest.fixture(scope="module")
def guarded(home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    logs = tmp_path_factory.mktemp("guarded")
    tokens = logs / "tokens"
    tokens.write_text(f"# the scoring service\n{FILE_TOKEN}\n\n")
    env = {"MODELPORT_HOME": str(home), "MODELPORT_AUTH_TOKEN": ENV_TOKEN}
    with start_server(
        "echo", log_dir=logs, env=env, serve_options=["--auth-tokens-file", str(tokens)]
    ) as server:
        yield server


def _predict(server: ServerProcess, **headers: str) -> httpx.Response:
    return httpx.post(f"{server.url}/v1/models/echo/predict", json=ROWS, headers=headers)


def test_every_route_but_the_probes_needs_a_token(guarded: ServerProcess) -> None:
    missing = _predict(guarded)
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["field"] == "Authorization"
    assert "Authorization: Bearer" in missing.json()["detail"]
    assert _predict(guarded, Authorization="Bearer wrong").status_code == 401
    assert _predict(guarded, Authorization=f"Basic {FILE_TOKEN}").status_code == 401
    for token in (FILE_TOKEN, ENV_TOKEN):
        assert _predict(guarded, Authorization=f"Bearer {token}").status_code == 200
    for probe in ("/v2/health/live", "/v2/health/ready"):
        assert httpx.get(guarded.url + probe).status_code == 200
    for path in ("/metrics", "/v2/models/echo", "/openapi.json", "/v1/models"):
        assert httpx.get(guarded.url + path).status_code == 401, path


def test_the_token_is_on_no_command_line(guarded: ServerProcess) -> None:
    """A command line is readable by every user of the machine (an environment by its owner)."""
    pid = guarded.process.pid  # `modelport serve` became the serving process (exec)
    assert ENV_TOKEN.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes()
    assert ENV_TOKEN not in guarded.output()


def test_a_host_name_not_allowed_is_refused(guarded: ServerProcess) -> None:
    auth = {"Authorization": f"Bearer {FILE_TOKEN}"}
    port = guarded.url.rsplit(":", 1)[1]
    refused = _predict(guarded, Host="attacker.example", **auth)
    assert refused.status_code == 403
    assert refused.json()["field"] == "Host"
    assert "--allowed-hosts" in refused.json()["detail"]
    assert _predict(guarded, Host=f"localhost:{port}", **auth).status_code == 200
    probe = httpx.get(f"{guarded.url}/v2/health/live", headers={"Host": "10.1.2.3:8080"})
    assert probe.status_code == 200  # an orchestrator probes the pod's address


def test_a_request_from_another_sites_page_is_refused(guarded: ServerProcess) -> None:
    auth = {"Authorization": f"Bearer {FILE_TOKEN}"}
    port = guarded.url.rsplit(":", 1)[1]
    refused = _predict(guarded, Origin="https://attacker.example", **auth)
    assert refused.status_code == 403
    assert refused.json()["field"] == "Origin"
    same_site = _predict(guarded, Origin=f"http://127.0.0.1:{port}", **auth)
    assert same_site.status_code == 200


def test_a_form_body_is_never_read_as_json(guarded: ServerProcess) -> None:
    answer = httpx.post(
        f"{guarded.url}/v1/models/echo/predict",
        content=b'[{"text": "hi"}]',
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": f"Bearer {FILE_TOKEN}",
        },
    )
    assert answer.status_code == 415
    assert "Content-Type: application/json" in answer.json()["detail"]


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_tls_with_a_certificate_the_client_trusts(home: Path, tmp_path: Path) -> None:
    cert_file, key_file = _self_signed(tmp_path)
    options = ["--ssl-certfile", str(cert_file), "--ssl-keyfile", str(key_file)]
    env = {"MODELPORT_HOME": str(home)}
    with start_server(
        "echo", log_dir=tmp_path, env=env, serve_options=options, wait=False
    ) as server:
        base = server.url.replace("http://", "https://")
        trusting = ssl.create_default_context(cafile=str(cert_file))
        with httpx.Client(base_url=base, verify=trusting, timeout=5) as client:
            deadline = time.monotonic() + 120
            while True:
                assert server.process.poll() is None, server.output()
                assert time.monotonic() < deadline, server.output()
                try:
                    if client.get("/v2/health/ready").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            answer = client.post("/v1/models/echo/predict", json=ROWS)
            assert answer.status_code == 200
        with pytest.raises(httpx.ConnectError):  # a client not trusting it refuses it
            httpx.get(f"{base}/v2/health/live")
        with pytest.raises(httpx.TransportError):  # and plain HTTP gets no answer
            httpx.get(f"{server.url}/v2/health/live")
        assert f"Serving echo at {base}" in server.output()


def test_a_tokens_file_that_cannot_be_read_is_refused_by_name(home: Path, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-tokens"
    result = run_cli("serve", "echo", "--auth-tokens-file", str(missing), home=home)
    assert result.code != 0
    assert str(missing) in result.stderr
    assert "--auth-tokens-file" not in result.stdout
