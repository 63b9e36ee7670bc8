"""DEEPaaS training jobs kept in the registry database (table ``deepaas_training_jobs``), so a
server lists them after a restart. Jobs left ``running`` by a server process that is gone are
marked ``error`` when the next server opens the store."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import orjson

from modelport.registry.sql.database import Database
from modelport.registry.sql.tables import deepaas_training_jobs as _jobs


def job_date() -> str:
    """Now, as DEEPaaS writes a job's dates (``str(datetime.now())``), always with microseconds:
    ``str()`` leaves them out when they are exactly 0."""
    return datetime.now().isoformat(sep=" ", timespec="microseconds")


INTERRUPTED = "interrupted: the server stopped while this training job was running"


@dataclass(frozen=True)
class TrainingJob:
    uuid: str
    model: str
    date: str
    args: dict[str, Any]
    status: str
    """``running``, ``done``, ``error`` or ``cancelled``."""
    message: str | None = None
    output: Any = None
    finish_date: str | None = None
    registered_version: str | None = None
    """``name:number`` of the version registered from the trained package (``--register``)."""

    def finished(
        self, status: str, *, output: Any = None, message: str | None = None
    ) -> TrainingJob:
        return replace(
            self,
            status=status,
            output=output,
            message=message,
            finish_date=job_date(),
        )

    def to_deepaas(self) -> dict[str, Any]:
        """The job as DEEPaaS shows it (``result`` once done, ``message`` on error)."""
        shown: dict[str, Any] = {
            "date": self.date,
            "args": self.args,
            "uuid": self.uuid,
            "status": self.status,
        }
        if self.status == "done" and self.finish_date:
            # fromisoformat reads dates with or without microseconds (older rows may lack them)
            duration = datetime.fromisoformat(self.finish_date) - datetime.fromisoformat(self.date)
            shown["result"] = {
                "output": self.output,
                "finish_date": self.finish_date,
                "duration": str(duration),
            }
            if self.registered_version:
                shown["result"]["registered_version"] = self.registered_version
        if self.status == "error":
            shown["message"] = self.message or ""
        return shown


class TrainingJobStore:
    """Rows of ``deepaas_training_jobs`` in one database."""

    def __init__(self, database: Database) -> None:
        self._database = database

    @classmethod
    def open(cls, uri: str) -> TrainingJobStore:
        """The training jobs kept in the registry at ``uri``; those a server that is gone left
        running are marked interrupted."""
        store = cls(Database.open(uri))
        store.mark_interrupted()
        return store

    def add(self, job: TrainingJob) -> None:
        with self._database.write() as conn:
            conn.execute(_jobs.insert().values(**_row(job), server_pid=os.getpid()))

    def update(self, job: TrainingJob) -> None:
        with self._database.write() as conn:
            conn.execute(_jobs.update().where(_jobs.c.uuid == job.uuid).values(**_row(job)))

    def delete(self, uuid: str) -> None:
        with self._database.write() as conn:
            conn.execute(_jobs.delete().where(_jobs.c.uuid == uuid))

    def get(self, model: str, uuid: str) -> TrainingJob | None:
        query = _jobs.select().where(_jobs.c.uuid == uuid, _jobs.c.model == model)
        with self._database.read() as conn:
            row = conn.execute(query).mappings().first()
        return _job(row) if row else None

    def list_all(self) -> list[TrainingJob]:
        """Every model's jobs, oldest first."""
        query = _jobs.select().order_by(_jobs.c.date)
        with self._database.read() as conn:
            return [_job(row) for row in conn.execute(query).mappings()]

    def list(self, model: str) -> list[TrainingJob]:
        query = _jobs.select().where(_jobs.c.model == model).order_by(_jobs.c.date)
        with self._database.read() as conn:
            return [_job(row) for row in conn.execute(query).mappings()]

    def mark_interrupted(self) -> None:
        """Jobs still ``running`` whose server process has ended become ``error``."""
        query = _jobs.select().where(_jobs.c.status == "running")
        with self._database.read() as conn:
            rows = list(conn.execute(query).mappings())
        for row in rows:
            if not _alive(row["server_pid"]):
                self.update(_job(row).finished("error", message=INTERRUPTED))

    def close(self) -> None:
        self._database.close()


def _row(job: TrainingJob) -> dict[str, Any]:
    return {
        "uuid": job.uuid,
        "model": job.model,
        "date": job.date,
        "args": orjson.dumps(job.args).decode(),
        "status": job.status,
        "message": job.message,
        "output": None if job.output is None else orjson.dumps(job.output).decode(),
        "finish_date": job.finish_date,
        "registered_version": job.registered_version,
    }


def _job(row: Any) -> TrainingJob:
    return TrainingJob(
        uuid=row["uuid"],
        model=row["model"],
        date=row["date"],
        args=orjson.loads(row["args"]),
        status=row["status"],
        message=row["message"],
        output=None if row["output"] is None else orjson.loads(row["output"]),
        finish_date=row["finish_date"],
        registered_version=row["registered_version"],
    )


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
