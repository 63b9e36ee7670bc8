"""What ``modelport serve`` (and ``serve --deepaas``) prints for a DEEPaaS model: DEEPaaS's own
predict route with a value for each required argument, which answers 200."""

from __future__ import annotations

from pathlib import Path

from modelport.testing import start_server

from ..printed_curl import printed_curl, send_curl
from .conftest import modelport_deepaas


def test_the_printed_curl_line_answers(deepaas_home: Path, tmp_path: Path) -> None:
    environ = {"MODELPORT_HOME": str(deepaas_home)}
    with start_server("dptest", log_dir=tmp_path, env=environ, ready_timeout=120) as server:
        line = printed_curl(server.output())
        answer = send_curl(line)
    assert line == f"curl -s -X POST '{server.url}/v2/models/dptest/predict/?numbers=0.5'"
    assert answer.status_code == 200, answer.text
    assert answer.json()["predictions"]["total"] == 0.5


def test_serve_deepaas_prints_a_curl_line_too(deepaas_home: Path, tmp_path: Path) -> None:
    with modelport_deepaas(deepaas_home, tmp_path / "tmp", "dptest") as server:
        line = printed_curl((tmp_path / "tmp.log").read_text())
        answer = send_curl(line)
    assert line.startswith(f"curl -s -X POST '{server.url}/v2/models/dptest/predict/?")
    assert answer.status_code == 200, answer.text
