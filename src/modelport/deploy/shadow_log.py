"""The log of a shadow deployment: one JSON line per request, holding the primary's answer and
the shadow's (or its error), bounded: past ``max_bytes`` the file is moved to ``NAME.1``
(replacing the one before) and a new one begun, so at most twice that is kept."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_MAX_BYTES", "MAX_BODY_CHARS", "Answer", "ShadowLog"]

DEFAULT_MAX_BYTES = 16 * 1024 * 1024
MAX_BODY_CHARS = 16 * 1024
"""An answer's body is cut to this many characters in the log (``truncated`` says so)."""


@dataclass(frozen=True)
class Answer:
    """What one version answered: its HTTP status and body, or the error that stopped it."""

    version: int
    status: int | None = None
    body: bytes = b""
    error: str | None = None
    headers: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        if self.error is not None:
            return {"version": self.version, "error": self.error}
        text = self.body.decode("utf-8", errors="replace")
        entry: dict[str, Any] = {"version": self.version, "status": self.status}
        try:
            entry["body"] = json.loads(text) if len(text) <= MAX_BODY_CHARS else None
        except ValueError:
            entry["body"] = None
        if entry["body"] is None:
            entry["body"] = text[:MAX_BODY_CHARS]
            entry["truncated"] = len(text) > MAX_BODY_CHARS
        return entry


class ShadowLog:
    """Appends ``{time, method, path, primary, shadow}`` lines to ``path``."""

    def __init__(self, path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, method: str, path: str, primary: Answer, shadow: Answer) -> None:
        line = json.dumps(
            {
                "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "method": method,
                "path": path,
                "primary": primary.as_dict(),
                "shadow": shadow.as_dict(),
            },
            separators=(",", ":"),
        )
        data = (line + "\n").encode()
        with self._lock:
            size = self.path.stat().st_size if self.path.exists() else 0
            if size and size + len(data) > self.max_bytes:
                self.path.replace(self.path.with_name(self.path.name + ".1"))
            with self.path.open("ab") as out:
                out.write(data)
