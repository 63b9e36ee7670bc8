"""The SQL store's tags of models and versions: set (add or overwrite) and remove."""

from __future__ import annotations

from modelport.registry import refs
from modelport.registry.entities import DEFAULT_WORKSPACE, Model, ModelVersion
from modelport.registry.sql import rows
from modelport.registry.sql import tables as t
from modelport.registry.sql.aliases import Transaction


class TagMethods:
    """``RegistryStore``'s tag methods, for a store with ``_write``."""

    _write: Transaction

    def set_model_tag(
        self, *, name: str, key: str, value: str, workspace: str = DEFAULT_WORKSPACE
    ) -> Model:
        refs.validate_tag(key, value)
        with self._write() as conn:
            model = rows.model_row(conn, workspace, name, lock=True)
            rows.set_tag(conn, t.model_tags, {"model_id": model["id"], "key": key}, value)
            rows.touch(conn, model["id"], rows.utc_now())
            return rows.load_model(conn, rows.model_row(conn, workspace, name), workspace)

    def delete_model_tag(self, *, name: str, key: str, workspace: str = DEFAULT_WORKSPACE) -> Model:
        with self._write() as conn:
            model = rows.model_row(conn, workspace, name, lock=True)
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
            model = rows.model_row(conn, workspace, name, lock=True)
            row = rows.version_row(conn, workspace, name, model["id"], number)
            rows.set_tag(conn, t.version_tags, {"version_id": row["id"], "key": key}, value)
            return rows.load_versions(conn, [row], workspace, name)[0]

    def delete_version_tag(
        self, *, name: str, number: int, key: str, workspace: str = DEFAULT_WORKSPACE
    ) -> ModelVersion:
        refs.validate_number(number)
        with self._write() as conn:
            model = rows.model_row(conn, workspace, name, lock=True)
            row = rows.version_row(conn, workspace, name, model["id"], number)
            key_cols = {"version_id": row["id"], "key": key}
            rows.delete_tag(conn, t.version_tags, key_cols, f"version {name}:{number}")
            return rows.load_versions(conn, [row], workspace, name)[0]
