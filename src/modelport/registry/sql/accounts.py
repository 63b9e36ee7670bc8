"""Users, their API tokens and their roles in workspaces: who may use a ``modelport server``.

A token is ``mpt_`` followed by 32 random bytes (``secrets.token_urlsafe``): recognisable in a
leaked log or a secret scanner, shown once when it is created and stored only as its sha256.
A plain, fast hash is enough here because the token is random: slow, salted hashes (bcrypt,
argon2) protect guessable passwords against trying every likely one, while guessing a 256-bit
random token is hopeless however fast each try is. A fast hash also lets the server find a
token by an indexed lookup of its hash, with nothing to compare in Python.

Roles are per workspace and ordered: a viewer reads, an editor also writes, an owner also
manages members. Admins (a flag on the user) do what belongs to no workspace: create
workspaces, collect orphan blobs.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import sqlalchemy as sa

from modelport.errors import Conflict, InvalidInput, NotFound
from modelport.registry import refs
from modelport.registry.sql import rows
from modelport.registry.sql import tables as t
from modelport.registry.sql.database import Database

Role = Literal["viewer", "editor", "owner"]
ROLES: tuple[Role, ...] = ("viewer", "editor", "owner")
"""The workspace roles, weakest first: each may do what the ones before it may."""
TOKEN_PREFIX = "mpt_"
_TOKEN_BYTES = 32


def role_rank(role: str) -> int:
    """A role's place in :data:`ROLES` (a higher rank may do more)."""
    return ROLES.index(check_role(role))


def check_role(role: str) -> Role:
    """``role`` if it is a workspace role; else InvalidInput naming the roles."""
    if role not in ROLES:
        raise InvalidInput(
            f"{role!r} is not a workspace role",
            hint=f"use one of: {', '.join(ROLES)}",
            field="role",
        )
    checked: Role = role  # narrowed by the test above
    return checked


def token_sha256(token: str) -> str:
    """What is stored of a token: the hex sha256 of its text."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class User:
    name: str
    admin: bool
    created_at: datetime


@dataclass(frozen=True)
class ApiToken:
    """A token as it is listed: never its value, which exists only when it is created."""

    id: str
    user: str
    label: str | None
    created_at: datetime


@dataclass(frozen=True)
class NewToken:
    """A token just created: ``token`` is its value, shown this once and stored nowhere."""

    token: str
    info: ApiToken


@dataclass(frozen=True)
class Member:
    workspace: str
    user: str
    role: Role


@dataclass(frozen=True)
class Identity:
    """Who a valid token belongs to, and that user's role in each workspace."""

    user: str
    admin: bool
    roles: dict[str, Role]


class AccountStore:
    """Users, tokens and memberships, kept in the registry's database."""

    def __init__(self, database: Database) -> None:
        self._read = database.read
        self._write = database.write

    # -- users -----------------------------------------------------------------------------

    def add_user(self, *, name: str, admin: bool = False) -> User:
        refs.validate_name(name, field="user")
        with self._write() as conn:
            if conn.execute(sa.select(t.users.c.id).filter_by(name=name)).first():
                raise Conflict(f"user {name!r} already exists", field="user")
            now = rows.utc_now()
            conn.execute(sa.insert(t.users).values(name=name, admin=admin, created_at=now))
        return User(name=name, admin=admin, created_at=now)

    def list_users(self) -> list[User]:
        with self._read() as conn:
            found = conn.execute(sa.select(t.users).order_by(t.users.c.name)).mappings()
            return [
                User(name=r["name"], admin=r["admin"], created_at=t.utc(r["created_at"]))
                for r in found
            ]

    def delete_user(self, *, name: str) -> None:
        """Remove a user with their tokens and memberships."""
        with self._write() as conn:
            user_id = _user_id(conn, name)
            conn.execute(sa.delete(t.api_tokens).filter_by(user_id=user_id))
            conn.execute(sa.delete(t.workspace_members).filter_by(user_id=user_id))
            conn.execute(sa.delete(t.users).where(t.users.c.id == user_id))

    # -- tokens ----------------------------------------------------------------------------

    def create_token(self, *, user: str, label: str | None = None) -> NewToken:
        """A new token for ``user``: its value is in the answer and nowhere else."""
        if label is not None and len(label) > 100:
            raise InvalidInput("a token label has at most 100 characters", field="label")
        token = TOKEN_PREFIX + secrets.token_urlsafe(_TOKEN_BYTES)
        token_id = secrets.token_hex(4)
        with self._write() as conn:
            user_id = _user_id(conn, user)
            now = rows.utc_now()
            conn.execute(
                sa.insert(t.api_tokens).values(
                    id=token_id, user_id=user_id, label=label,
                    token_sha256=token_sha256(token), created_at=now,
                )
            )  # fmt: skip
        info = ApiToken(id=token_id, user=user, label=label, created_at=now)
        return NewToken(token=token, info=info)

    def list_tokens(self, *, user: str | None = None) -> list[ApiToken]:
        query = sa.select(t.api_tokens, t.users.c.name.label("user")).join(
            t.users, t.users.c.id == t.api_tokens.c.user_id
        )
        with self._read() as conn:
            if user is not None:
                query = query.where(t.api_tokens.c.user_id == _user_id(conn, user))
            found = conn.execute(query.order_by(t.users.c.name, t.api_tokens.c.created_at))
            return [
                ApiToken(
                    id=r["id"], user=r["user"], label=r["label"], created_at=t.utc(r["created_at"])
                )
                for r in found.mappings()
            ]

    def delete_token(self, *, token_id: str, user: str | None = None) -> None:
        """Revoke a token by its id (only among ``user``'s tokens, when given)."""
        with self._write() as conn:
            query = sa.delete(t.api_tokens).filter_by(id=token_id)
            if user is not None:
                query = query.filter_by(user_id=_user_id(conn, user))
            if not conn.execute(query).rowcount:
                raise NotFound(
                    f"there is no API token {token_id!r}",
                    hint="`modelport tokens list` shows the tokens' ids.",
                    field="token",
                )

    def identify(self, token: str) -> Identity | None:
        """Who ``token`` belongs to, or None when it is not a valid token."""
        if not token.startswith(TOKEN_PREFIX):
            return None
        with self._read() as conn:
            user = conn.execute(
                sa.select(t.users)
                .join(t.api_tokens, t.api_tokens.c.user_id == t.users.c.id)
                .where(t.api_tokens.c.token_sha256 == token_sha256(token))
            ).mappings().first()  # fmt: skip
            if user is None:
                return None
            found = conn.execute(
                sa.select(t.workspaces.c.name, t.workspace_members.c.role)
                .join(t.workspaces, t.workspaces.c.id == t.workspace_members.c.workspace_id)
                .where(t.workspace_members.c.user_id == user["id"])
            )
            roles = {name: check_role(role) for name, role in found}
            return Identity(user=user["name"], admin=user["admin"], roles=roles)

    # -- members ---------------------------------------------------------------------------

    def set_member(self, *, workspace: str, user: str, role: str) -> Member:
        """Give ``user`` ``role`` in ``workspace`` (adding or changing their membership)."""
        checked = check_role(role)
        with self._write() as conn:
            key = _membership(conn, workspace, user)
            conn.execute(sa.delete(t.workspace_members).filter_by(**key))
            conn.execute(sa.insert(t.workspace_members).values(**key, role=checked))
        return Member(workspace=workspace, user=user, role=checked)

    def remove_member(self, *, workspace: str, user: str) -> None:
        with self._write() as conn:
            key = _membership(conn, workspace, user)
            if not conn.execute(sa.delete(t.workspace_members).filter_by(**key)).rowcount:
                raise NotFound(
                    f"user {user!r} is not a member of workspace {workspace!r}",
                    hint=f"`modelport workspaces members list {workspace}` shows its members.",
                    field="user",
                )

    def list_members(self, *, workspace: str) -> list[Member]:
        with self._read() as conn:
            found = conn.execute(
                sa.select(t.users.c.name, t.workspace_members.c.role)
                .join(t.users, t.users.c.id == t.workspace_members.c.user_id)
                .where(t.workspace_members.c.workspace_id == rows.workspace_id(conn, workspace))
                .order_by(t.users.c.name)
            )
            return [
                Member(workspace=workspace, user=name, role=check_role(role))
                for name, role in found
            ]


def _membership(conn: sa.Connection, workspace: str, user: str) -> dict[str, int]:
    """The primary key of ``user``'s membership of ``workspace``."""
    return {"workspace_id": rows.workspace_id(conn, workspace), "user_id": _user_id(conn, user)}


def _user_id(conn: sa.Connection, name: str) -> int:
    found = conn.execute(sa.select(t.users.c.id).filter_by(name=name)).scalar()
    if found is None:
        raise NotFound(
            f"there is no user {name!r}",
            hint=f"add one with `modelport users add {name}`",
            field="user",
        )
    return int(found)
