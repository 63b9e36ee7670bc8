"""How a process modelport starts in a model's environment says why it failed: as the modelport
command does (one ``error:`` line; 1 for a modelport error, 70 for anything else)."""

from __future__ import annotations

import pytest

from modelport.errors import InvalidInput, report_failure


def test_a_modelport_error_is_one_line_and_exit_code_1(capsys: pytest.CaptureFixture[str]) -> None:
    code = report_failure(InvalidInput("column 'x' is missing", hint="add it", field="x"))
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error: column 'x' is missing")
    assert "Traceback" not in err


def test_anything_else_is_an_internal_error_with_exit_code_70(
    capsys: pytest.CaptureFixture[str],
) -> None:
    try:
        raise KeyError("k")
    except KeyError as exc:
        code = report_failure(exc, debug=True)
    err = capsys.readouterr().err
    assert code == 70
    assert "Traceback" in err  # --debug shows where it came from
    assert err.rstrip().endswith("error: internal error: KeyError: 'k'")
