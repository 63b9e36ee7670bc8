"""The SQL store's searches: one page of models or versions, paged by key (see
``registry/search.py`` for the filter syntax and the tokens)."""

from __future__ import annotations

import sqlalchemy as sa

from modelport.registry import search
from modelport.registry.entities import Model, ModelVersion, Page
from modelport.registry.sql import rows
from modelport.registry.sql import tables as t


def models_page(
    conn: sa.Connection,
    workspace: str,
    *,
    name_contains: str | None,
    tags: dict[str, str],
    max_results: int,
    page_token: str | None,
) -> Page[Model]:
    """The page of ``workspace``'s models the arguments describe (validated here)."""
    after = search.decode_token(page_token, "models", str)
    size = search.validate_page_size(max_results)
    models = t.models
    query = sa.select(models).where(models.c.workspace_id == rows.workspace_id(conn, workspace))
    if name_contains is not None:
        part = search.validate_name_part(name_contains)
        query = query.where(models.c.name.contains(part, autoescape=True))
    query = _with_tags(query, t.model_tags, "model_id", models.c.id, tags)
    if after is not None:
        query = query.where(models.c.name > after)
    found = list(conn.execute(query.order_by(models.c.name).limit(size + 1)).mappings())
    items = rows.load_models(conn, found[:size], workspace)
    more = len(found) > size
    return Page(items, search.encode_token("models", items[-1].name) if more else None)


def versions_page(
    conn: sa.Connection,
    workspace: str,
    name: str,
    *,
    tags: dict[str, str],
    max_results: int,
    page_token: str | None,
) -> Page[ModelVersion]:
    """The page of model ``name``'s versions the arguments describe (validated here)."""
    after = search.decode_token(page_token, f"versions:{name}", int)
    size = search.validate_page_size(max_results)
    model = rows.model_row(conn, workspace, name)
    versions = t.model_versions
    query = sa.select(versions).where(versions.c.model_id == model["id"])
    query = _with_tags(query, t.version_tags, "version_id", versions.c.id, tags)
    if after is not None:
        query = query.where(versions.c.number > after)
    found = list(conn.execute(query.order_by(versions.c.number).limit(size + 1)).mappings())
    items = rows.load_versions(conn, found[:size], workspace, name)
    more = len(found) > size
    token = search.encode_token(f"versions:{name}", items[-1].number) if more else None
    return Page(items, token)


def _with_tags(
    query: sa.Select[tuple[object, ...]],
    table: sa.Table,
    owner: str,
    owner_id: sa.ColumnElement[int],
    tags: dict[str, str],
) -> sa.Select[tuple[object, ...]]:
    """``query`` kept to the rows carrying every tag (one EXISTS per tag)."""
    for key, value in tags.items():
        query = query.where(
            sa.exists().where(
                table.c[owner] == owner_id, table.c.key == key, table.c.value == value
            )
        )
    return query
