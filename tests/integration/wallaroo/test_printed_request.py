"""What ``modelport serve`` prints for a Wallaroo python step and a BYOP model: a curl line
that answers 200 (a tensor input made up from the upload's schema)."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelport.registry.entities import ModelVersion
from modelport.testing import start_server

from ..printed_curl import printed_curl, send_curl


@pytest.mark.parametrize("upload", ["weighted_step", "byop_model"])
def test_the_printed_curl_line_answers(
    wallaroo_home: Path, upload: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    version: ModelVersion = request.getfixturevalue(upload)
    environ = {"MODELPORT_HOME": str(wallaroo_home)}
    with start_server(version.model, log_dir=tmp_path, env=environ, ready_timeout=120) as server:
        line = printed_curl(server.output())
        answer = send_curl(line)
    assert '"tensor": [0.5, 0.5, 0.5, 0.5]' in line
    assert answer.status_code == 200, answer.text
