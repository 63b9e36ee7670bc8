"""What ``modelport serve`` prints for an Odahu model: a curl line that answers 200."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelport.testing import start_server

from ..printed_curl import printed_curl, send_curl
from .conftest import Built


@pytest.mark.parametrize("name", ["iris-matrix", "counter"])
def test_the_printed_curl_line_answers(
    odahu_home: Path, built: Built, tmp_path: Path, name: str
) -> None:
    assert name in built
    environ = {"MODELPORT_HOME": str(odahu_home)}
    with start_server(name, log_dir=tmp_path, env=environ, ready_timeout=120) as server:
        answer = send_curl(printed_curl(server.output()))
    assert answer.status_code == 200, answer.text
