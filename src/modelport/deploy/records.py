"""What has been deployed, and where: one record per deployment name, in the registry's
database (the ``deployments`` table), so that ``modelport deploy ls``, ``status`` and ``rm``
find every deployment made against that registry, whichever target runs it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from modelport.errors import NotFound
from modelport.registry.sql import tables as t
from modelport.registry.sql.database import Database

__all__ = ["DeploymentRecord", "DeploymentRecords", "route_prefix_of"]


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class DeploymentRecord:
    """One deployment: its name (the model's or the pipeline's), target, the version it runs and
    its replicas."""

    name: str
    target: str
    """``ray://HOST:PORT`` or ``local``."""
    model: str
    """The model deployed, or the pipeline when ``pipeline`` is set."""
    version: int | None
    reference: str
    """What the user deployed (``iris@production``)."""
    replicas: str
    """``N``, or ``MIN:MAX`` when autoscaled."""
    state: str
    url: str = ""
    """Where it answers: the local server's URL, or for Ray the proxy's URL and the route
    prefix (``http://127.0.0.1:8000/iris``; the route prefix alone when Ray Serve did not say
    where its proxy listens, and in records made before it was recorded)."""
    pid: int | None = None
    """The supervisor's process (``--target local``)."""
    created: datetime = field(default_factory=_now)
    pipeline: bool = False
    """Whether it runs a pipeline (``model`` and ``version`` are then the pipeline's)."""
    steps: tuple[str, ...] = ()
    """A pipeline's steps, in order (``model:version`` each); none for a model."""

    def with_state(self, state: str) -> DeploymentRecord:
        return replace(self, state=state)


class DeploymentRecords:
    """The deployments recorded in a registry's database."""

    def __init__(self, database: Database) -> None:
        self._database = database

    @classmethod
    def open(cls, uri: str) -> DeploymentRecords:
        """The records of the registry at ``uri`` (an SQL registry: SQLite or PostgreSQL)."""
        return cls(Database.open(uri))

    def close(self) -> None:
        self._database.close()

    def __enter__(self) -> DeploymentRecords:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def all(self) -> list[DeploymentRecord]:
        with self._database.read() as conn:
            found = conn.execute(sa.select(t.deployments).order_by(t.deployments.c.name))
            return [_record(row._mapping) for row in found]

    def get(self, name: str) -> DeploymentRecord:
        with self._database.read() as conn:
            row = conn.execute(sa.select(t.deployments).where(t.deployments.c.name == name)).first()
        if row is None:
            raise NotFound(
                f"no deployment {name}", hint="`modelport deploy ls` lists them", field="NAME"
            )
        return _record(row._mapping)

    def put(self, record: DeploymentRecord) -> None:
        """Record ``record``, replacing the one of the same name (its creation time stays)."""
        values = {
            "target": record.target,
            "model": record.model,
            "version": record.version,
            "reference": record.reference,
            "replicas": record.replicas,
            "state": record.state,
            "url": record.url,
            "pid": record.pid,
            "pipeline": record.pipeline,
            "steps": json.dumps(list(record.steps)) if record.pipeline else None,
            "updated_at": _now(),
        }
        with self._database.write() as conn:
            updated = conn.execute(
                sa.update(t.deployments).where(t.deployments.c.name == record.name).values(values)
            )
            if updated.rowcount == 0:
                conn.execute(
                    sa.insert(t.deployments).values(
                        name=record.name, created_at=record.created, **values
                    )
                )

    def remove(self, name: str) -> None:
        with self._database.write() as conn:
            conn.execute(sa.delete(t.deployments).where(t.deployments.c.name == name))


def route_prefix_of(record: DeploymentRecord) -> str:
    """A Ray deployment's route prefix (``/iris``), read from its URL."""
    return urlsplit(record.url).path or "/"


def _record(row: Any) -> DeploymentRecord:
    created: datetime = row["created_at"]
    if created.tzinfo is None:  # SQLite keeps no zone: every time written here is UTC
        created = created.replace(tzinfo=UTC)
    return DeploymentRecord(
        name=row["name"],
        target=row["target"],
        model=row["model"],
        version=row["version"],
        reference=row["reference"],
        replicas=row["replicas"],
        state=row["state"],
        url=row["url"],
        pid=row["pid"],
        created=created,
        pipeline=bool(row["pipeline"]),
        steps=tuple(json.loads(row["steps"])) if row["steps"] else (),
    )
