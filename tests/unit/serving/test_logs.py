"""The server's log: text or JSON lines on stderr, levels, and the access line's fields."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from modelport import redaction
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


class CountingWrites(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def test_access_lines_of_one_loop_turn_go_out_in_one_write_and_other_records_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stderr = CountingWrites()
    monkeypatch.setattr(sys, "stderr", stderr)
    logs.configure_logging("info", "text")
    serving = logging.getLogger("modelport.serving")

    async def one_turn() -> tuple[str, int, str]:
        logs.defer_access_lines(asyncio.get_running_loop())
        try:
            for number in range(3):
                logs.log_request("POST", "/v1/models/m/predict", 200, 0.001, f"r-{number}")
            held = stderr.getvalue()
            await asyncio.sleep(0)  # the end of this turn
            after_turn, writes = stderr.getvalue(), stderr.writes
            logs.log_request("POST", "/v1/models/m/predict", 200, 0.001, "r-3")
            serving.warning("a model warned")  # written at once, after the line held before it
            return held, writes, after_turn
        finally:
            logs.defer_access_lines(None)

    held, writes, after_turn = asyncio.run(one_turn())
    assert held == ""
    assert writes == 1 and [line[-3:] for line in after_turn.splitlines()] == ["r-0", "r-1", "r-2"]
    lines = stderr.getvalue().splitlines()
    assert [line.rsplit(" ", 1)[-1] for line in lines[3:]] == ["id=r-3", "warned"]


def test_held_access_lines_are_written_when_the_log_is_flushed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    logs.configure_logging("info", "json")

    async def stopped_mid_turn() -> None:
        logs.defer_access_lines(asyncio.get_running_loop())
        logs.log_request("GET", "/metrics", 200, 0.001, "last")
        for handler in logging.getLogger().handlers:
            handler.flush()  # as logging.shutdown does at exit: the turn never ends here

    try:
        asyncio.run(stopped_mid_turn())
    finally:
        logs.defer_access_lines(None)
    assert json.loads(stderr.getvalue())["request_id"] == "last"


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


def _server_log_alone(monkeypatch: pytest.MonkeyPatch, log_format: str) -> io.StringIO:
    """The server's log configured, on a string for stderr, its handler the root logger's only
    one (as in a serving process; pytest's own handlers would see every record otherwise)."""
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    logs.configure_logging("info", log_format)
    root = logging.getLogger()
    ours = [handler for handler in root.handlers if isinstance(handler, logs.ServerHandler)]
    monkeypatch.setattr(root, "handlers", ours)
    return stderr


def _access_lines_on_the_loop(*request_ids: str) -> None:
    """``log_request`` for each id on a serving loop holding access lines, then its turn ends."""

    async def serving() -> None:
        logs.defer_access_lines(asyncio.get_running_loop())
        try:
            for request_id in request_ids:
                logs.log_request("POST", "/v1/models/m/predict", 200, 0.0012345, request_id)
            await asyncio.sleep(0)
        finally:
            logs.defer_access_lines(None)

    asyncio.run(serving())


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_access_lines_written_without_a_record_are_the_lines_logging_writes(
    monkeypatch: pytest.MonkeyPatch, log_format: str
) -> None:
    server_log = _server_log_alone(monkeypatch, log_format)
    records: list[str] = []
    make_record = logs.access_log.makeRecord
    now = 1_764_990_007.0625

    def counted(*args: Any, **kwargs: Any) -> logging.LogRecord:
        records.append(args[0])
        record = make_record(*args, **kwargs)
        record.created, record.msecs = now, 62.0  # as logging makes it at that time
        return record

    monkeypatch.setattr(logs.access_log, "makeRecord", counted)
    monkeypatch.setattr(redaction, "_sorted", ())  # no secret read (other tests read some)
    monkeypatch.setattr(time, "time", lambda: now)
    _access_lines_on_the_loop("fast")
    assert records == []  # no LogRecord was made for it
    logs.log_request("POST", "/v1/models/m/predict", 200, 0.0012345, "fast")  # off the loop
    assert records == [logs.ACCESS]
    held, through_logging = server_log.getvalue().splitlines()
    assert held == through_logging
    assert "POST /v1/models/m/predict 200 1.23ms id=fast" in held


def test_a_handler_added_to_the_access_log_still_gets_every_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server_log = _server_log_alone(monkeypatch, "text")
    seen: list[str] = []
    extra = logging.Handler()
    extra.emit = lambda record: seen.append(record.getMessage())  # type: ignore[method-assign]
    logs.access_log.addHandler(extra)
    try:
        _access_lines_on_the_loop("r-1", "r-2")
    finally:
        logs.access_log.removeHandler(extra)
    assert [message.rsplit("=", 1)[1] for message in seen] == ["r-1", "r-2"]
    assert [line.rsplit("=", 1)[1] for line in server_log.getvalue().splitlines()] == [
        "r-1",
        "r-2",
    ]


def test_access_lines_held_on_the_loop_are_blanked_of_secrets_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    value = _read_secret("held-secret-5d0e")
    server_log = _server_log_alone(monkeypatch, "text")
    _access_lines_on_the_loop(f"id-{value}")
    logs.configure_logging("info", "json")
    _access_lines_on_the_loop(f"id-{value}")
    text, json_line = server_log.getvalue().splitlines()
    assert value not in text and text.endswith("id=id-***")
    assert value not in json_line and json.loads(json_line)["request_id"] == "id-***"
