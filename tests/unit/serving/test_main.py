"""``python -m modelport.serving``: what it says when it cannot serve."""

from __future__ import annotations

import argparse
import socket
from pathlib import Path

import pytest

from modelport.serving import __main__ as serving


def test_a_folder_that_is_not_an_unpacked_artifact_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert serving.main([str(tmp_path), "--port", "0"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("error: ") and str(tmp_path) in error and "modelport serve" in error
    assert "Traceback" not in error


def test_an_unforeseen_failure_is_one_line_and_exit_70(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(args: argparse.Namespace) -> None:
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(serving, "run", broken)
    assert serving.main([str(tmp_path)]) == 70
    error = capsys.readouterr().err
    assert error.strip() == "error: internal error: RuntimeError: the disk went away"


def test_a_port_in_use_is_refused_before_the_model_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        # not an unpacked artifact: loading it would fail, but the port is refused first
        assert serving.main([str(tmp_path), "--port", str(port)]) == 1
    output = capsys.readouterr()
    assert output.err == (
        f"error: 127.0.0.1:{port} is already in use. Pick another port with --port\n"
    )
    assert output.out == ""
