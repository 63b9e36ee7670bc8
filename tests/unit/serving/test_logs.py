"""The server's log: text or JSON lines on stderr, levels, and the access line's fields."""

from __future__ import annotations

import io
import json
import logging
import sys
from pathlib import Path

import pytest

from modelport.errors import InvalidInput
from modelport.secrets import Secrets
from modelport.serving import logs


def test_json_lines_carry_the_message_the_records_fields_and_the_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logs.configure_logging("debug", "json")
    logs.log_request("POST", "/v1/models/m/predict", 422, 0.00125, "id-1")
    try:
        raise ValueError("broken")
    except ValueError:
        logging.getLogger("modelport.serving").exception("failed")
    first, second = (json.loads(line) for line in capsys.readouterr().err.splitlines())
    assert first["message"] == "POST /v1/models/m/predict 422 1.25ms id=id-1"
    assert {k: first[k] for k in ("level", "logger", "method", "path", "status")} == {
        "level": "INFO",
        "logger": "modelport.access",
        "method": "POST",
        "path": "/v1/models/m/predict",
        "status": 422,
    }
    assert (first["duration_ms"], first["request_id"]) == (1.25, "id-1")
    assert first["time"].endswith("+00:00")
    assert second["message"] == "failed" and "ValueError: broken" in second["traceback"]


def test_levels_filter_and_a_call_without_arguments_keeps_the_configuration(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logs.configure_logging("warning", "json")
    logs.configure_logging()  # what the DEEPaaS and pipeline servers call before loading
    logs.log_request("GET", "/", 200, 0.001, "quiet")
    logging.getLogger("modelport.serving").warning("loud")
    (line,) = capsys.readouterr().err.splitlines()
    assert json.loads(line)["message"] == "loud"
    assert logs.uvicorn_level() == logging.WARNING
    logs.configure_logging("debug", "text")
    assert logs.uvicorn_level() == logging.DEBUG
    logs.configure_logging("error")
    assert logs.uvicorn_level() == logging.ERROR


def test_text_lines_follow_a_replaced_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure_logging("info", "text")
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, logs.ServerHandler)]
    assert len(handlers) == 1 and handlers[0].stream is sys.stderr
    logs.log_request("GET", "/metrics", 200, 0.0004, "t-1")
    assert capsys.readouterr().err.rstrip().endswith(" INFO GET /metrics 200 0.40ms id=t-1")


@pytest.mark.parametrize(
    ("level", "log_format", "message", "field"),
    [
        ("loud", "text", "unknown log level 'loud'", "log_level"),
        ("info", "xml", "unknown log format 'xml'", "log_format"),
    ],
)
def test_an_unknown_level_or_format_is_named(
    level: str, log_format: str, message: str, field: str
) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        logs.configure_logging(level, log_format)
    assert caught.value.field == field


def _read_secret(value: str) -> str:
    """``value`` as a model reads its secret (which notes it for blanking)."""
    secrets = Secrets(
        ["token"], secrets_dir=Path("/nonexistent"), store=None, environ={ENV_NAME: value}
    )
    return secrets["token"]


ENV_NAME = "TRUSS_SECRET_token"


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_a_secret_is_blanked_in_every_record_the_server_writes(
    capsys: pytest.CaptureFixture[str], log_format: str
) -> None:
    """Whichever logger writes it (here the model's own), in the message, the traceback and
    the fields."""
    value = _read_secret(f"log-secret-{log_format}-4f1a")
    logs.configure_logging("info", log_format)
    model_log = logging.getLogger("some_model.predict")
    model_log.warning("logging in with %s", value)
    try:
        raise RuntimeError(f"refused {value}")
    except RuntimeError:
        model_log.exception("failed with %s", value)
    logs.log_request("GET", f"/v1/models/m?key={value}", 200, 0.001, "r-1")
    err = capsys.readouterr().err
    assert value not in err
    assert "logging in with ***" in err and "failed with ***" in err
    assert "RuntimeError: refused ***" in err
    assert "/v1/models/m?key=***" in err


def test_what_a_model_prints_is_blanked_too() -> None:
    value = _read_secret("print-secret-77c2")
    written = io.StringIO()
    stream = logs.RedactingStream(written)
    print("the token is", value, file=stream, flush=True)
    stream.writelines([f"again {value}\n"])
    assert written.getvalue() == "the token is ***\nagain ***\n"
    assert stream.getvalue() == written.getvalue()  # the rest is the target's
