"""The local registry: ``RegistryStore`` over a SQL database (SQLite) and a blob folder.

Registering a version is crash-safe in two steps: the artifact is first stored as a blob
(atomically, see ``registry/blobs.py``), then one write transaction inserts the version row
with everything that belongs to it. A crash between the two leaves only an unreferenced
blob, never a version without its artifact. Version numbers come from ``max + 1`` inside a
``BEGIN IMMEDIATE`` transaction, so concurrent writers are serialised; the unique
constraint on ``(model_id, number)`` backs this up (and serves databases without SQLite's
locking), and a writer that loses a race retries.

Database errors become modelport errors in exactly one place (``sql.database``).
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from modelport._types import JSONObject
from modelport.errors import Conflict, NotFound
from modelport.registry import refs
from modelport.registry.blobs import BlobStore
from modelport.registry.entities import DEFAULT_WORKSPACE, Alias, Model, ModelVersion, Workspace
from modelport.registry.sql import rows
from modelport.registry.sql import tables as t
from modelport.registry.sql.database import ConcurrentChange, Database
from modelport.registry.store import RegistryStore

_REGISTER_ATTEMPTS = 5


class SqlRegistryStore(RegistryStore):
    """The registry kept in a SQL database (rows) and a :class:`BlobStore` (artifacts)."""

    def __init__(self, database: Database, blobs: BlobStore) -> None:
        self._database = database
        self._blobs = blobs
        self._read = database.read
        self._write = database.write

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

    def list_models(self, *, workspace: str = DEFAULT_WORKSPACE) -> list[Model]:
        with self._read() as conn:
            ws_id = rows.workspace_id(conn, workspace)
            query = sa.select(t.models).filter_by(workspace_id=ws_id).order_by(t.models.c.name)
            return [rows.load_model(conn, row, workspace) for row in conn.execute(query).mappings()]

    def update_model(
        self, *, name: str, description: str | None = None, workspace: str = DEFAULT_WORKSPACE
    ) -> Model:
        with self._write() as conn:
            row = rows.model_row(conn, workspace, name)
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
            row = rows.model_row(conn, workspace, name)
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
                    model = rows.find_model(conn, ws_id, name)
                    model_id = (
                        model["id"] if model else rows.insert_model(conn, ws_id, name, description)
                    )
                    same = rows.version_by_digest(conn, model_id, digest)
                    if same is not None:
                        return rows.load_versions(conn, [same], workspace, name)[0], False
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
            model = rows.model_row(conn, workspace, name)
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

    def _collect_blob(self, digest: str) -> None:
        """Remove a blob no version references, holding the write lock while deciding.

        Deciding and removing under the lock means a writer registering the same digest
        either sees its version counted here or (later, under the lock) sees the blob gone
        and stores it again. A crash here leaves at worst an unreferenced blob.
        """
        with self._write() as conn:
            users = conn.execute(
                sa.select(sa.func.count()).where(t.model_versions.c.digest == digest)
            ).scalar_one()
            if not users:
                self._blobs.delete(digest)

    def artifact_path(self, version: ModelVersion) -> Path:
        return self._blobs.local_path(version.digest)

    def collect_orphan_blobs(self, *, dry_run: bool = False) -> dict[str, int]:
        # under the write lock, as _collect_blob: a registration re-stores a blob collected
        # between its put and its row
        with self._write() as conn:
            used = set(conn.execute(sa.select(t.model_versions.c.digest).distinct()).scalars())
            orphans = {d: size for d, size in self._blobs.digests().items() if d not in used}
            if not dry_run:
                for digest in orphans:
                    self._blobs.delete(digest)
        return orphans

    # -- aliases ----------------------------------------------------------------------------

    def set_alias(
        self, *, name: str, alias: str, number: int, workspace: str = DEFAULT_WORKSPACE
    ) -> Alias:
        refs.validate_name(alias, field="alias")
        refs.validate_number(number)
        with self._write() as conn:
            model = rows.model_row(conn, workspace, name)
            version = rows.version_row(conn, workspace, name, model["id"], number)
            key = {"model_id": model["id"], "name": alias}
            conn.execute(sa.delete(t.aliases).filter_by(**key))
            conn.execute(sa.insert(t.aliases).values(**key, version_id=version["id"]))
            rows.touch(conn, model["id"], rows.utc_now())
        return Alias(workspace=workspace, model=name, name=alias, version=number)

    def delete_alias(self, *, name: str, alias: str, workspace: str = DEFAULT_WORKSPACE) -> None:
        with self._write() as conn:
            model = rows.model_row(conn, workspace, name)
            gone = conn.execute(sa.delete(t.aliases).filter_by(model_id=model["id"], name=alias))
            if not gone.rowcount:
                raise rows.no_alias(name, alias, workspace, field="alias")
            rows.touch(conn, model["id"], rows.utc_now())

    def list_aliases(self, *, name: str, workspace: str = DEFAULT_WORKSPACE) -> list[Alias]:
        with self._read() as conn:
            model = rows.model_row(conn, workspace, name)
            found = conn.execute(
                sa.select(t.aliases.c.name, t.model_versions.c.number)
                .join(t.model_versions, t.aliases.c.version_id == t.model_versions.c.id)
                .where(t.aliases.c.model_id == model["id"])
                .order_by(t.aliases.c.name)
            ).mappings()
            return [t.alias_from_row(row, workspace=workspace, model=name) for row in found]

    # -- tags -------------------------------------------------------------------------------

    def set_model_tag(
        self, *, name: str, key: str, value: str, workspace: str = DEFAULT_WORKSPACE
    ) -> Model:
        refs.validate_tag(key, value)
        with self._write() as conn:
            model = rows.model_row(conn, workspace, name)
            rows.set_tag(conn, t.model_tags, {"model_id": model["id"], "key": key}, value)
            rows.touch(conn, model["id"], rows.utc_now())
            return rows.load_model(conn, rows.model_row(conn, workspace, name), workspace)

    def delete_model_tag(self, *, name: str, key: str, workspace: str = DEFAULT_WORKSPACE) -> Model:
        with self._write() as conn:
            model = rows.model_row(conn, workspace, name)
            rows.delete_tag(
                conn, t.model_tags, {"model_id": model["id"], "key": key}, f"model {name!r}"
            )
            rows.touch(conn, model["id"], rows.utc_now())
            return rows.load_model(conn, rows.model_row(conn, workspace, name), workspace)

    def set_version_tag(
        self, *, name: str, number: int, key: str, value: str, workspace: str = DEFAULT_WORKSPACE
    ) -> ModelVersion:
        refs.validate_tag(key, value)
        refs.validate_number(number)
        with self._write() as conn:
            model = rows.model_row(conn, workspace, name)
            row = rows.version_row(conn, workspace, name, model["id"], number)
            rows.set_tag(conn, t.version_tags, {"version_id": row["id"], "key": key}, value)
            return rows.load_versions(conn, [row], workspace, name)[0]

    def delete_version_tag(
        self, *, name: str, number: int, key: str, workspace: str = DEFAULT_WORKSPACE
    ) -> ModelVersion:
        refs.validate_number(number)
        with self._write() as conn:
            model = rows.model_row(conn, workspace, name)
            row = rows.version_row(conn, workspace, name, model["id"], number)
            key_cols = {"version_id": row["id"], "key": key}
            rows.delete_tag(conn, t.version_tags, key_cols, f"version {name}:{number}")
            return rows.load_versions(conn, [row], workspace, name)[0]
