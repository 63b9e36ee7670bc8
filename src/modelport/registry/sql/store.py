"""The SQL registry: ``RegistryStore`` over a SQL database (SQLite or PostgreSQL) and blobs.

Registering a version is crash-safe in two steps: the artifact is first stored as a blob
(atomically, see ``registry/blobs.py``), then one write transaction inserts the version row
with everything that belongs to it. A crash between the two leaves only an unreferenced
blob, never a version without its artifact.

Version numbers come from the model row's ``last_version + 1``. Concurrent writers of one
model are serialised: on SQLite by the ``BEGIN IMMEDIATE`` write lock on the whole database,
on PostgreSQL by locking the model's row (``SELECT ... FOR UPDATE``) first in every write to
a model, so the second writer waits for the first to commit and then reads its number. A
lock that waits, rather than a unique constraint and retries alone, is what keeps 100 writers
racing for one model from failing over and over. The unique constraint on
``(model_id, number)`` still backs it up, and a writer that loses the one race left (two
creating the same new model at once) retries.

Database errors become modelport errors in exactly one place (``sql.database``).
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from modelport._types import JSONObject
from modelport.errors import Conflict, NotFound
from modelport.registry import refs
from modelport.registry.blobs import BlobStore, Leftover
from modelport.registry.entities import DEFAULT_WORKSPACE, Model, ModelVersion, Page, Workspace
from modelport.registry.search import DEFAULT_PAGE_SIZE
from modelport.registry.sql import rows
from modelport.registry.sql import search as sql_search
from modelport.registry.sql import tables as t
from modelport.registry.sql.aliases import AliasMethods
from modelport.registry.sql.database import ConcurrentChange, Database
from modelport.registry.sql.tags import TagMethods
from modelport.registry.store import RegistryStore

_REGISTER_ATTEMPTS = 5


class SqlRegistryStore(AliasMethods, TagMethods, RegistryStore):
    """The registry kept in a SQL database (rows) and a :class:`BlobStore` (artifacts)."""

    def __init__(self, database: Database, blobs: BlobStore) -> None:
        self._database = database
        self._blobs = blobs
        self._read = database.read
        self._write = database.write

    @classmethod
    def open(cls, uri: str, *, blobs: BlobStore) -> SqlRegistryStore:
        """Open (creating and migrating as needed) the registry database at ``uri``, its
        artifacts in ``blobs``."""
        return cls(Database.open(uri), blobs)

    @classmethod
    def open_sqlite(cls, path: Path, *, blobs: BlobStore) -> SqlRegistryStore:
        """Open (creating and migrating as needed) the SQLite registry at ``path``, its
        artifacts in ``blobs``."""
        return cls(Database.open_sqlite(path), blobs)

    def close(self) -> None:
        self._database.close()

    # -- workspaces -------------------------------------------------------------------------

    def create_workspace(self, *, name: str) -> Workspace:
        refs.validate_name(name, field="workspace")
        with self._write() as conn:
            if conn.execute(sa.select(t.workspaces.c.id).filter_by(name=name)).first():
                raise Conflict(f"workspace {name!r} already exists", field="workspace")
            conn.execute(sa.insert(t.workspaces).values(name=name, created_at=rows.utc_now()))
            row = conn.execute(sa.select(t.workspaces).filter_by(name=name)).mappings().one()
            return t.workspace_from_row(row)

    def list_workspaces(self) -> list[Workspace]:
        with self._read() as conn:
            found = conn.execute(sa.select(t.workspaces).order_by(t.workspaces.c.name))
            return [t.workspace_from_row(row) for row in found.mappings()]

    # -- models -----------------------------------------------------------------------------

    def create_model(
        self,
        *,
        name: str,
        description: str | None = None,
        tags: dict[str, str] | None = None,
        workspace: str = DEFAULT_WORKSPACE,
    ) -> Model:
        refs.validate_name(name)
        clean_tags = refs.validate_tags(tags)
        with self._write() as conn:
            ws_id = rows.workspace_id(conn, workspace)
            if rows.find_model(conn, ws_id, name) is not None:
                raise Conflict(
                    f"model {name!r} already exists{rows.where(workspace)}",
                    hint=f"Run `modelport models show {name}` to see it, or pick another name.",
                    field="name",
                )
            model_id = rows.insert_model(conn, ws_id, name, description)
            for key, value in clean_tags.items():
                conn.execute(
                    sa.insert(t.model_tags).values(model_id=model_id, key=key, value=value)
                )
            return rows.load_model(conn, rows.model_row(conn, workspace, name), workspace)

    def get_model(self, *, name: str, workspace: str = DEFAULT_WORKSPACE) -> Model:
        with self._read() as conn:
            return rows.load_model(conn, rows.model_row(conn, workspace, name), workspace)

    def version_id(self, *, name: str, number: int, workspace: str = DEFAULT_WORKSPACE) -> int:
        """The number the database keeps version ``number`` of ``name`` under: unique across the
        registry, as the numeric model ids Wallaroo's API answers are."""
        with self._read() as conn:
            model = rows.model_row(conn, workspace, name)
            found: int = rows.version_row(conn, workspace, name, model["id"], number)["id"]
            return found

    def list_models(self, *, workspace: str = DEFAULT_WORKSPACE) -> list[Model]:
        with self._read() as conn:
            ws_id = rows.workspace_id(conn, workspace)
            query = sa.select(t.models).filter_by(workspace_id=ws_id).order_by(t.models.c.name)
            return [rows.load_model(conn, row, workspace) for row in conn.execute(query).mappings()]

    def search_models(
        self,
        *,
        name_contains: str | None = None,
        tags: dict[str, str] | None = None,
        max_results: int = DEFAULT_PAGE_SIZE,
        page_token: str | None = None,
        workspace: str = DEFAULT_WORKSPACE,
    ) -> Page[Model]:
        clean_tags = refs.validate_tags(tags)
        with self._read() as conn:
            return sql_search.models_page(
                conn, workspace, name_contains=name_contains, tags=clean_tags,
                max_results=max_results, page_token=page_token,
            )  # fmt: skip

    def update_model(
        self, *, name: str, description: str | None = None, workspace: str = DEFAULT_WORKSPACE
    ) -> Model:
        with self._write() as conn:
            row = rows.model_row(conn, workspace, name, lock=True)
            conn.execute(
                sa.update(t.models)
                .where(t.models.c.id == row["id"])
                .values(description=description, updated_at=rows.utc_now())
            )
            return rows.load_model(conn, rows.model_row(conn, workspace, name), workspace)

    def delete_model(
        self, *, name: str, workspace: str = DEFAULT_WORKSPACE, with_versions: bool = False
    ) -> None:
        with self._write() as conn:
            row = rows.model_row(conn, workspace, name, lock=True)
            _refuse_if_in_pipelines(conn, row, workspace)
            versions = conn.execute(
                sa.select(t.model_versions.c.id, t.model_versions.c.digest).where(
                    t.model_versions.c.model_id == row["id"]
                )
            ).all()
            if versions and not with_versions:
                raise Conflict(
                    f"model {name!r} still has {len(versions)} version(s)",
                    hint=f"delete the whole model with `modelport rm {name} --yes`, or its "
                    f"versions one by one with `modelport rm {name}:N`",
                )
            ids = [v.id for v in versions]
            conn.execute(sa.delete(t.aliases).filter_by(model_id=row["id"]))
            conn.execute(sa.delete(t.alias_changes).filter_by(model_id=row["id"]))
            conn.execute(sa.delete(t.version_tags).where(t.version_tags.c.version_id.in_(ids)))
            conn.execute(sa.delete(t.model_versions).where(t.model_versions.c.id.in_(ids)))
            conn.execute(sa.delete(t.model_tags).filter_by(model_id=row["id"]))
            conn.execute(sa.delete(t.models).where(t.models.c.id == row["id"]))
        for digest in sorted({v.digest for v in versions}):
            self._collect_blob(digest)

    # -- versions ---------------------------------------------------------------------------

    def register_version(
        self,
        *,
        name: str,
        artifact: Path,
        digest: str,
        signature: JSONObject,
        metadata: JSONObject,
        lineage: JSONObject,
        build: JSONObject,
        source_format: str,
        description: str | None = None,
        workspace: str = DEFAULT_WORKSPACE,
    ) -> tuple[ModelVersion, bool]:
        refs.validate_name(name)
        refs.validate_digest(digest)
        fields = {
            "signature": refs.validate_json_object(signature, "signature"),
            "metadata": refs.validate_json_object(metadata, "metadata"),
            "lineage": refs.validate_json_object(lineage, "lineage"),
            "build": refs.validate_json_object(build, "build"),
            "source_format": refs.validate_source_format(source_format),
        }
        artifact = Path(artifact)
        existing = self._find_by_digest(workspace, name, digest)
        if existing is not None:
            return existing, False
        size = self._blobs.put(artifact, digest=digest)  # before the row: never a row without it
        for attempt in range(1, _REGISTER_ATTEMPTS + 1):
            try:
                with self._write() as conn:
                    ws_id = rows.workspace_id(conn, workspace)
                    model = rows.find_model(conn, ws_id, name, lock=True)
                    model_id = (
                        model["id"] if model else rows.insert_model(conn, ws_id, name, description)
                    )
                    same = rows.version_by_digest(conn, model_id, digest)
                    if same is not None:
                        return rows.load_versions(conn, [same], workspace, name)[0], False
                    rows.lock_digest(conn, digest)
                    if not self._blobs.exists(digest):  # a concurrent delete collected it
                        self._blobs.put(artifact, digest=digest)
                    number = rows.next_number(conn, model_id)
                    now = rows.utc_now()
                    conn.execute(
                        sa.insert(t.model_versions).values(
                            model_id=model_id, number=number, digest=digest, size=size,
                            created_at=now, **fields,
                        )
                    )  # fmt: skip
                    rows.touch(conn, model_id, now)
                    row = rows.version_row(conn, workspace, name, model_id, number)
                    return rows.load_versions(conn, [row], workspace, name)[0], True
            except ConcurrentChange:
                if attempt == _REGISTER_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _find_by_digest(self, workspace: str, name: str, digest: str) -> ModelVersion | None:
        with self._read() as conn:
            ws_id = rows.workspace_id(conn, workspace)
            model = rows.find_model(conn, ws_id, name)
            if model is None:
                return None
            same = rows.version_by_digest(conn, model["id"], digest)
            return None if same is None else rows.load_versions(conn, [same], workspace, name)[0]

    def get_version(
        self, *, name: str, number: int, workspace: str = DEFAULT_WORKSPACE
    ) -> ModelVersion:
        refs.validate_number(number)
        with self._read() as conn:
            model = rows.model_row(conn, workspace, name)
            row = rows.version_row(conn, workspace, name, model["id"], number)
            return rows.load_versions(conn, [row], workspace, name)[0]

    def list_versions(self, *, name: str, workspace: str = DEFAULT_WORKSPACE) -> list[ModelVersion]:
        with self._read() as conn:
            model = rows.model_row(conn, workspace, name)
            found = conn.execute(
                sa.select(t.model_versions)
                .filter_by(model_id=model["id"])
                .order_by(t.model_versions.c.number)
            ).mappings()
            return rows.load_versions(conn, list(found), workspace, name)

    def search_versions(
        self,
        *,
        name: str,
        tags: dict[str, str] | None = None,
        max_results: int = DEFAULT_PAGE_SIZE,
        page_token: str | None = None,
        workspace: str = DEFAULT_WORKSPACE,
    ) -> Page[ModelVersion]:
        clean_tags = refs.validate_tags(tags)
        with self._read() as conn:
            return sql_search.versions_page(
                conn, workspace, name, tags=clean_tags, max_results=max_results,
                page_token=page_token,
            )  # fmt: skip

    def resolve(self, ref: str, *, workspace: str = DEFAULT_WORKSPACE) -> ModelVersion:
        parsed = refs.parse_ref(ref)
        if parsed.number is not None:
            return self.get_version(name=parsed.model, number=parsed.number, workspace=workspace)
        with self._read() as conn:
            model = rows.model_row(conn, workspace, parsed.model)
            query = sa.select(t.model_versions).filter_by(model_id=model["id"])
            if parsed.alias is not None:
                query = query.join(t.aliases, t.aliases.c.version_id == t.model_versions.c.id)
                query = query.where(t.aliases.c.name == parsed.alias)
            else:
                query = query.order_by(t.model_versions.c.number.desc()).limit(1)
            row = conn.execute(query).mappings().first()
            if row is None and parsed.alias is not None:
                raise rows.no_alias(parsed.model, parsed.alias, workspace, field="ref")
            if row is None:
                raise NotFound(
                    f"model {parsed.model!r} has no versions yet",
                    hint="Build and register one with `modelport build <project>`.",
                    field="ref",
                )
            return rows.load_versions(conn, [row], workspace, parsed.model)[0]

    def delete_version(self, *, name: str, number: int, workspace: str = DEFAULT_WORKSPACE) -> None:
        refs.validate_number(number)
        with self._write() as conn:
            model = rows.model_row(conn, workspace, name, lock=True)
            row = rows.version_row(conn, workspace, name, model["id"], number)
            pointing = rows.alias_names(conn, [row["id"]]).get(row["id"], [])
            if pointing:
                listed = ", ".join(sorted(pointing))
                raise Conflict(
                    f"version {name}:{number} is still the target of alias(es) {listed}",
                    hint=f"Move or remove them first, e.g. `modelport alias rm {name} "
                    f"{sorted(pointing)[0]}`.",
                )
            conn.execute(sa.delete(t.version_tags).filter_by(version_id=row["id"]))
            conn.execute(sa.delete(t.model_versions).where(t.model_versions.c.id == row["id"]))
            rows.touch(conn, model["id"], rows.utc_now())
        self._collect_blob(row["digest"])

    def _collect_blob(self, digest: str) -> bool:
        """Remove a blob no version references, holding its lock while deciding; say whether
        it was removed.

        Deciding and removing under the lock means a writer registering the same digest
        either sees its version counted here or (later, under the lock) sees the blob gone
        and stores it again. A crash here leaves at worst an unreferenced blob.
        """
        with self._write() as conn:
            rows.lock_digest(conn, digest)
            users = conn.execute(
                sa.select(sa.func.count()).where(t.model_versions.c.digest == digest)
            ).scalar_one()
            if not users:
                self._blobs.delete(digest)
            return not users

    def artifact_path(self, version: ModelVersion) -> Path:
        return self._blobs.local_path(version.digest)

    def collect_blob_leftovers(self, *, older_than: float, dry_run: bool = False) -> list[Leftover]:
        return self._blobs.collect_leftovers(older_than=older_than, dry_run=dry_run)

    def collect_orphan_blobs(self, *, dry_run: bool = False) -> dict[str, int]:
        # under the write lock, as _collect_blob: a registration re-stores a blob collected
        # between its put and its row
        with self._read() as conn:
            used = set(conn.execute(sa.select(t.model_versions.c.digest).distinct()).scalars())
        orphans = {d: size for d, size in self._blobs.digests().items() if d not in used}
        if not dry_run:
            for digest in list(orphans):
                if not self._collect_blob(digest):
                    del orphans[digest]  # registered since the first look: kept
        return orphans


def _refuse_if_in_pipelines(conn: sa.Connection, model: rows.Row, workspace: str) -> None:
    """Conflict while the current version of a pipeline has a step on the model."""
    using = rows.pipelines_using(conn, model["workspace_id"], model["name"])
    if using:
        raise Conflict(
            f"model {model['name']!r}{rows.where(workspace)} is used by pipeline(s) "
            f"{', '.join(using)}",
            hint=f"Give {using[0]!r} a version without it (`modelport pipeline show "
            f"{using[0]}` lists its steps), then delete the model.",
            field="name",
        )
