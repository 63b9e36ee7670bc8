"""Pipelines and their versions, kept in the registry's own database (tables ``pipelines`` and
``pipeline_versions``, created by the ``wallaroo_pipelines`` migration).

Like the model registry (SQLite or PostgreSQL), writers of one pipeline wait for each other
(SQLite's ``BEGIN IMMEDIATE``, PostgreSQL's row lock taken by the UPDATE of its
``last_version``) and version numbers are never reused; database errors become modelport
errors through the registry's one translation. Names follow the registry's rules (DNS labels).
"""

from __future__ import annotations

import sqlalchemy as sa

from modelport.errors import Conflict, InvalidInput, NotFound
from modelport.pipelines.definition import Definition, Pipeline, PipelineVersion
from modelport.registry import refs
from modelport.registry.entities import DEFAULT_WORKSPACE
from modelport.registry.sql import rows
from modelport.registry.sql import tables as t
from modelport.registry.sql.database import Database
from modelport.settings import Settings


class PipelineStore:
    """Create, read and version pipelines."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._read = database.read
        self._write = database.write

    @classmethod
    def open(cls, uri: str | None = None, *, settings: Settings) -> PipelineStore:
        """The pipelines of the registry at ``uri`` (default: the settings' registry)."""
        return cls(Database.open(uri or settings.resolved_registry_uri))

    def close(self) -> None:
        self._database.close()

    def __enter__(self) -> PipelineStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- pipelines ---------------------------------------------------------------------------

    def create(
        self,
        *,
        name: str,
        definition: Definition,
        description: str | None = None,
        log_inferences: bool = False,
        workspace: str = DEFAULT_WORKSPACE,
    ) -> PipelineVersion:
        """Create a pipeline and its version 1 (Conflict if the name is taken)."""
        refs.validate_name(name)
        with self._write() as conn:
            ws_id = rows.workspace_id(conn, workspace)
            if _find(conn, ws_id, name) is not None:
                raise Conflict(
                    f"pipeline {name!r} already exists{rows.where(workspace)}",
                    hint=f"Run `modelport pipeline show {name}` to see it, or pick another name.",
                    field="name",
                )
            now = rows.utc_now()
            conn.execute(
                sa.insert(t.pipelines).values(
                    workspace_id=ws_id, name=name, description=description,
                    log_inferences=log_inferences, created_at=now, updated_at=now,
                )
            )  # fmt: skip
            return self._add_version(conn, workspace, name, definition)

    def get(self, *, name: str, workspace: str = DEFAULT_WORKSPACE) -> Pipeline:
        """The pipeline called ``name`` (NotFound if there is none)."""
        with self._read() as conn:
            return _pipeline(_row(conn, workspace, name), workspace)

    def exists(self, *, name: str, workspace: str = DEFAULT_WORKSPACE) -> bool:
        with self._read() as conn:
            return _find(conn, rows.workspace_id(conn, workspace), name) is not None

    def list_pipelines(self, *, workspace: str = DEFAULT_WORKSPACE) -> list[Pipeline]:
        """Every pipeline of a workspace, by name."""
        with self._read() as conn:
            ws_id = rows.workspace_id(conn, workspace)
            query = sa.select(t.pipelines).filter_by(workspace_id=ws_id)
            query = query.order_by(t.pipelines.c.name)
            return [_pipeline(row, workspace) for row in conn.execute(query).mappings()]

    def set_log_inferences(
        self, *, name: str, enabled: bool, workspace: str = DEFAULT_WORKSPACE
    ) -> Pipeline:
        """Turn the logging of every inference through the pipeline on or off."""
        with self._write() as conn:
            row = _row(conn, workspace, name)
            conn.execute(
                sa.update(t.pipelines)
                .where(t.pipelines.c.id == row["id"])
                .values(log_inferences=enabled, updated_at=rows.utc_now())
            )
            return _pipeline(_row(conn, workspace, name), workspace)

    # -- versions ----------------------------------------------------------------------------

    def add_version(
        self, *, name: str, definition: Definition, workspace: str = DEFAULT_WORKSPACE
    ) -> PipelineVersion:
        """Store ``definition`` as the pipeline's next version."""
        with self._write() as conn:
            return self._add_version(conn, workspace, name, definition)

    def _add_version(
        self, conn: sa.Connection, workspace: str, name: str, definition: Definition
    ) -> PipelineVersion:
        row = _row(conn, workspace, name)
        pipelines = t.pipelines
        now = rows.utc_now()
        conn.execute(
            sa.update(pipelines)
            .where(pipelines.c.id == row["id"])
            .values(last_version=pipelines.c.last_version + 1, updated_at=now)
        )
        number = int(  # read after the UPDATE, which waits for any other writer of it
            conn.execute(sa.select(pipelines.c.last_version).filter_by(id=row["id"])).scalar_one()
        )
        conn.execute(
            sa.insert(t.pipeline_versions).values(
                pipeline_id=row["id"], number=number, definition=definition.to_dict(),
                created_at=now,
            )
        )  # fmt: skip
        return PipelineVersion(workspace, name, number, definition, now)

    def get_version(
        self, *, name: str, number: int | None = None, workspace: str = DEFAULT_WORKSPACE
    ) -> PipelineVersion:
        """Version ``number`` of the pipeline (its newest when None)."""
        if number is not None:
            refs.validate_number(number)
        with self._read() as conn:
            row = _row(conn, workspace, name)
            query = sa.select(t.pipeline_versions).filter_by(pipeline_id=row["id"])
            if number is None:
                query = query.order_by(t.pipeline_versions.c.number.desc()).limit(1)
            else:
                query = query.filter_by(number=number)
            found = conn.execute(query).mappings().first()
            if found is None:
                raise NotFound(
                    f"pipeline {name!r} has no version {number}",
                    hint=f"Run `modelport pipeline show {name}` to list its versions.",
                    field="version",
                )
            return _version(found, workspace, name)

    def resolve(self, ref: str, *, workspace: str = DEFAULT_WORKSPACE) -> PipelineVersion:
        """The version a reference names: ``NAME`` (the newest) or ``NAME:N``."""
        parsed = refs.parse_ref(ref)
        if parsed.alias is not None:
            raise InvalidInput(
                f"pipeline reference {ref!r} names an alias; pipelines have none",
                hint="Use NAME or NAME:VERSION.",
                field="ref",
            )
        return self.get_version(name=parsed.model, number=parsed.number, workspace=workspace)

    def list_versions(
        self, *, name: str, workspace: str = DEFAULT_WORKSPACE
    ) -> list[PipelineVersion]:
        """Every version of the pipeline, oldest (1) first."""
        with self._read() as conn:
            row = _row(conn, workspace, name)
            query = (
                sa.select(t.pipeline_versions)
                .filter_by(pipeline_id=row["id"])
                .order_by(t.pipeline_versions.c.number)
            )
            return [_version(v, workspace, name) for v in conn.execute(query).mappings()]


def _find(conn: sa.Connection, ws_id: int, name: str) -> sa.RowMapping | None:
    query = sa.select(t.pipelines).filter_by(workspace_id=ws_id, name=name)
    return conn.execute(query).mappings().first()


def _row(conn: sa.Connection, workspace: str, name: str) -> sa.RowMapping:
    refs.validate_name(name)
    row = _find(conn, rows.workspace_id(conn, workspace), name)
    if row is None:
        raise NotFound(
            f"pipeline {name!r} does not exist{rows.where(workspace)}",
            hint=f"Run `modelport pipeline list` to list pipelines, or create it with "
            f"`modelport pipeline create {name}`.",
            field="name",
        )
    return row


def _pipeline(row: sa.RowMapping, workspace: str) -> Pipeline:
    return Pipeline(
        workspace=workspace,
        name=row["name"],
        description=row["description"],
        log_inferences=bool(row["log_inferences"]),
        latest=int(row["last_version"]),
        created_at=t.utc(row["created_at"]),
        updated_at=t.utc(row["updated_at"]),
    )


def _version(row: sa.RowMapping, workspace: str, name: str) -> PipelineVersion:
    return PipelineVersion(
        workspace=workspace,
        pipeline=name,
        number=int(row["number"]),
        definition=Definition.from_dict(row["definition"]),
        created_at=t.utc(row["created_at"]),
    )
