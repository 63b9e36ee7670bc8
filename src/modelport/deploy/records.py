"""What has been deployed, and where: one record per deployment name, kept in the modelport
home (``deployments.json``) so that ``modelport deploy ls``, ``status`` and ``rm`` find every
deployment this home made, whichever target runs it. The file is replaced whole (written
beside, then renamed), under a lock, so concurrent commands never see half of it."""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from modelport.errors import ConfigError, NotFound

__all__ = ["DeploymentRecord", "DeploymentRecords"]

RECORDS_FILE = "deployments.json"


@dataclass(frozen=True)
class DeploymentRecord:
    """One deployment: its name (the model's), target, the version it runs and its replicas."""

    name: str
    target: str
    """``ray://HOST:PORT`` or ``local``."""
    model: str
    version: int | None
    reference: str
    """What the user deployed (``iris@production``), so a moved alias can be redeployed."""
    replicas: str
    """``N``, or ``MIN:MAX`` when autoscaled."""
    state: str
    url: str = ""
    """Where it answers (its route prefix behind the proxy, or the local server's URL)."""
    pid: int | None = None
    """The supervisor's process (``--target local``)."""
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def with_state(self, state: str) -> DeploymentRecord:
        return replace(self, state=state)


class DeploymentRecords:
    """The deployments recorded in the modelport home ``home``."""

    def __init__(self, home: Path) -> None:
        self.path = home / RECORDS_FILE

    def all(self) -> list[DeploymentRecord]:
        with self._locked():
            return sorted(self._read().values(), key=lambda record: record.name)

    def get(self, name: str) -> DeploymentRecord:
        with self._locked():
            found = self._read().get(name)
        if found is None:
            raise NotFound(
                f"no deployment {name}", hint="`modelport deploy ls` lists them", field="NAME"
            )
        return found

    def put(self, record: DeploymentRecord) -> None:
        with self._locked():
            records = self._read()
            records[record.name] = record
            self._write(records)

    def remove(self, name: str) -> None:
        with self._locked():
            records = self._read()
            if records.pop(name, None) is not None:
                self._write(records)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(self.path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read(self) -> dict[str, DeploymentRecord]:
        try:
            data: Any = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"{self.path} cannot be read: {exc}",
                hint="fix or remove the file (it only records deployments)",
            ) from None
        try:
            return {item["name"]: DeploymentRecord(**item) for item in data["deployments"]}
        except (KeyError, TypeError) as exc:
            raise ConfigError(
                f"{self.path} is not a deployments file ({exc})",
                hint="fix or remove the file (it only records deployments)",
            ) from None

    def _write(self, records: dict[str, DeploymentRecord]) -> None:
        body = json.dumps({"deployments": [asdict(r) for r in records.values()]}, indent=1)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-deployments-")
        with os.fdopen(handle, "w") as file:
            file.write(body)
        os.replace(temporary, self.path)
