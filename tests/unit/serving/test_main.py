"""``python -m modelport.serving``: what it says when it cannot serve."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from modelport.serving import __main__ as serving


def test_a_folder_that_is_not_an_unpacked_artifact_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert serving.main([str(tmp_path), "--port", "1"]) == 1
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
