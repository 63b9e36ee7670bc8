"""The server's log: records on stderr, one line each, as text or as JSON objects.

Loggers: ``modelport.access`` (one line per request: method, path, status, duration, request
id), ``modelport.serving`` (the ready line, server errors with their tracebacks) and whatever
the models and libraries log; uvicorn's own loggers propagate here too (its access log stays
off: ours replaces it). ``--log-level`` sets the level of them all (uvicorn's warnings and
above, but everything under ``debug``); ``--log-format json`` writes each record as one JSON
object: ``time``, ``level``, ``logger``, ``message``, and the fields a record carries
(``request_id``, ``method``, ``path``, ``status``, ``duration_ms``, ``url``, ``models``).

A secret's value never reaches the log: the handler blanks (``modelport.redaction``) every value
a model has read out of each record it writes (message, traceback and fields), whichever logger
wrote it, and :func:`redact_output` does the same for what the model prints.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, TextIO, cast

import orjson

from modelport.errors import InvalidInput
from modelport.redaction import any_revealed, redact

if TYPE_CHECKING:
    import asyncio  # the serving loop's type only: the modelport command imports this module

LogFormat = Literal["text", "json"]
LEVELS = ("debug", "info", "warning", "error", "critical")
FORMATS: tuple[LogFormat, ...] = ("text", "json")
DEFAULT_LEVEL = "info"

FIELDS = ("request_id", "method", "path", "status", "duration_ms", "url", "models")
"""The fields of a record (given as ``extra=``) that a JSON line carries besides the message."""

ACCESS = "modelport.access"
access_log = logging.getLogger(ACCESS)


class ServerHandler(logging.StreamHandler[TextIO]):
    """Writes to ``sys.stderr`` as it is when each record comes (so a replaced stderr, as in
    tests, is followed rather than written to after it closed).

    Access lines logged on the serving event loop (``defer_access_lines``) are held until the
    end of the loop's turn and written together: a turn answers tens of requests at c=64, and a
    write of each line (a system call, and, with the pool's workers writing to one file, a wait
    for the file's lock) cost a quarter of a single-row prediction's throughput. Every other
    record writes what is held first, then itself, at once; ``flush`` (and so exiting) writes
    what is held: a process killed outright loses the access lines of its last turn only.

    Those lines are written here without a LogRecord (``hold_access_line``) while nothing else
    would see the record: logging's records, filters and formatting were a tenth of a
    single-row prediction's time."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)
        self._held: list[str] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self.log_format: LogFormat | None = None
        """The format this handler's own formatter writes (None: not set by
        :func:`configure_logging`, or replaced since)."""
        self._own_formatter: logging.Formatter | None = None
        self._second = -1
        self._stamp = ""
        """The local time of ``_second`` as text lines begin with it (one strftime a second)."""

    def use_format(self, log_format: LogFormat) -> None:
        formatter = JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
        self.setFormatter(formatter)
        self._own_formatter = formatter
        self.log_format = log_format

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass

    def defer_on(self, loop: asyncio.AbstractEventLoop | None) -> None:
        """Hold the access lines logged on ``loop``'s thread until the end of its turn (None:
        write every line at once again, after what is held)."""
        self.flush()
        self._loop = loop
        self._loop_thread = threading.get_ident() if loop is not None else 0

    def emit(self, record: logging.LogRecord) -> None:
        loop = self._loop
        if loop is None or record.name != ACCESS or threading.get_ident() != self._loop_thread:
            self._write_held()
            super().emit(record)
            return
        try:
            line = self.format(record) + self.terminator
        except Exception:  # as StreamHandler.emit does: a record that cannot be formatted
            self.handleError(record)
            return
        held = self._held
        held.append(line)
        if len(held) == 1:
            loop.call_soon(self.flush)

    def hold_access_line(
        self, method: str, path: str, status: int, milliseconds: float, request_id: str
    ) -> bool:
        """Hold the access line of a request answered on the serving loop, as the formatter
        would write it; False (nothing done) when the record must go through logging: off the
        loop, or a formatter, filter or handler someone added. Secrets are blanked as the
        ``Redacting`` filter blanks a record's (the message, and each field)."""
        if (
            self._loop is None
            or self.level > logging.INFO
            or access_log.disabled
            or self.formatter is not self._own_formatter
            or len(self.filters) != 1
            or access_log.handlers
            or access_log.filters
            or not access_log.propagate
            or len(logging.root.handlers) != 1
            or threading.get_ident() != self._loop_thread
        ):
            return False
        now = time.time()
        message = f"{method} {path} {status} {milliseconds:.2f}ms id={request_id}"
        if any_revealed():
            message, method, path = redact(message), redact(method), redact(path)
            request_id = redact(request_id)
        if self.log_format == "json":
            line = _json_access_line(now, message, method, path, status, milliseconds, request_id)
        else:
            second = int(now)
            if second != self._second:
                self._second = second
                self._stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second))
            line = f"{self._stamp},{int((now - second) * 1000):03d} INFO {message}\n"
        self.acquire()  # as emit is called: another thread may be writing what is held
        try:
            held = self._held
            held.append(line)
            if len(held) == 1:
                self._loop.call_soon(self.flush)
        finally:
            self.release()
        return True

    def flush(self) -> None:
        self.acquire()  # emit is called holding it too (a reentrant lock)
        try:
            self._write_held()
            super().flush()
        finally:
            self.release()

    def _write_held(self) -> None:
        if self._held:
            text = "".join(self._held)
            self._held.clear()
            self.stream.write(text)


def _json_access_line(
    now: float,
    message: str,
    method: str,
    path: str,
    status: int,
    milliseconds: float,
    request_id: str,
) -> str:
    """An access line as :class:`JsonFormatter` writes its record."""
    entry = {
        "time": datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds"),
        "level": "INFO",
        "logger": ACCESS,
        "message": message,
        "request_id": request_id,
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": milliseconds,
    }
    return orjson.dumps(entry).decode() + "\n"


class Redacting(logging.Filter):
    """Blanks the secret values read so far out of a record: its message (formatted here),
    its traceback (formatted here too) and its string fields."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not any_revealed():
            return True
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for name in FIELDS:
            value = record.__dict__.get(name)
            if isinstance(value, str):
                record.__dict__[name] = redact(value)
        return True


class RedactingStream:
    """A text stream that writes to ``target`` with the secret values read so far blanked (what
    a model prints on stdout or stderr); everything else is the target's."""

    def __init__(self, target: TextIO) -> None:
        self.target = target

    def write(self, text: str) -> int:
        self.target.write(redact(text) if any_revealed() else text)
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.target, name)


def redact_output() -> None:
    """Blank secret values in what this process prints from now on (the serving process
    calls it before it loads a model)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, RedactingStream):
            setattr(sys, name, cast(TextIO, RedactingStream(stream)))


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (a traceback is a field, not more lines)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["traceback"] = record.exc_text or self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


TEXT_FORMAT = "%(asctime)s %(levelname)s %(message)s"


def configure_logging(level: str | None = None, log_format: str | None = None) -> None:
    """Server records to stderr at ``level`` in ``log_format`` (text or json). Called with
    neither, it keeps what an earlier call set (else: info, text); call it before loading
    models, so what loading logs is kept. Raises InvalidInput naming a bad level or format."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, ServerHandler)), None)
    if handler is not None and level is None and log_format is None:
        return
    _lighten_records()
    number = level_number(level or DEFAULT_LEVEL)
    chosen = check_format(log_format or "text")
    if handler is None:
        handler = ServerHandler()
        handler.addFilter(Redacting())
        root.addHandler(handler)
    handler.use_format(chosen)
    root.setLevel(number)
    # httpx logs each request at info: a front's calls to its workers, which log their own
    logging.getLogger("httpx").setLevel(max(number, logging.WARNING))


def defer_access_lines(loop: asyncio.AbstractEventLoop | None) -> None:
    """Hold the access lines logged on ``loop`` (the serving event loop, from the thread running
    it) until the end of each turn of it (``ServerHandler``); None: write them at once again."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, ServerHandler):
            handler.defer_on(loop)


def _lighten_records() -> None:
    """Records without the caller's file and line, thread or process (neither format uses
    them; the logging HOWTO's "Optimization"): a third of the cost of each access line."""
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def level_number(level: str) -> int:
    if level.lower() not in LEVELS:
        raise InvalidInput(
            f"unknown log level {level!r}",
            hint=f"use one of: {', '.join(LEVELS)}",
            field="log_level",
        )
    number: int = logging.getLevelName(level.upper())
    return number


def check_format(log_format: str) -> LogFormat:
    for known in FORMATS:
        if log_format == known:
            return known
    raise InvalidInput(
        f"unknown log format {log_format!r}",
        hint=f"use one of: {', '.join(FORMATS)}",
        field="log_format",
    )


def uvicorn_level() -> int:
    """uvicorn's own records: warnings and above, or everything when the server logs debug."""
    level = logging.getLogger().getEffectiveLevel()
    return level if level <= logging.DEBUG else max(level, logging.WARNING)


def log_request(method: str, path: str, status: int, seconds: float, request_id: str) -> None:
    """The access line of one answered request."""
    if access_log.isEnabledFor(logging.INFO):
        milliseconds = round(seconds * 1000, 2)
        handler = logging.root.handlers[0] if logging.root.handlers else None
        if isinstance(handler, ServerHandler) and handler.hold_access_line(
            method, path, status, milliseconds, request_id
        ):
            return
        fields = {
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": milliseconds,
            "request_id": request_id,
        }
        access_log.info(
            "%s %s %d %.2fms id=%s", method, path, status, milliseconds, request_id, extra=fields
        )
