"""Who is asking, and may they: the one authorisation check of every route of the server.

A route calls ``authorize(request, workspace, needed)`` (the API's routes do it through the
access their table declares, ``server/routing.py``); it answers the :class:`Principal` or
raises ``Unauthorised`` (no token, or one the server does not know: 401) or ``Forbidden`` (a
valid token whose user has no role, or too weak a role, in the workspace: 403). Roles are
ordered, owner > editor > viewer: a route that needs ``viewer`` admits editors and owners.

A server started with ``--no-auth`` admits every request as :data:`LOCAL`, who may do anything:
for one person on their own machine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from starlette.requests import Request

from modelport.errors import Forbidden, Unauthorised
from modelport.registry.sql.accounts import AccountStore, Role, role_rank
from modelport.server.state import ServerState

Needed = Literal["viewer", "editor", "owner"]
_PRINCIPAL = "modelport.principal"
"""Where a request's principal is kept once its token was checked (the ASGI scope)."""


@dataclass(frozen=True)
class Principal:
    """The user behind a request, with their role in each workspace."""

    user: str
    admin: bool = False
    roles: dict[str, Role] = field(default_factory=dict)
    everything: bool = False
    """Every role everywhere: the principal of a server without authentication."""

    def role_in(self, workspace: str) -> Role | None:
        return "owner" if self.everything else self.roles.get(workspace)

    def may(self, workspace: str, needed: str) -> bool:
        role = self.role_in(workspace)
        return role is not None and role_rank(role) >= role_rank(needed)


LOCAL = Principal(user="local", admin=True, everything=True)
"""Everyone, on a server started with ``--no-auth``."""


class Authenticator:
    """Turns a request's bearer token into a :class:`Principal` (``accounts`` None: no
    authentication, everyone is :data:`LOCAL`)."""

    def __init__(self, accounts: AccountStore | None) -> None:
        self.accounts = accounts

    @property
    def enabled(self) -> bool:
        return self.accounts is not None

    def principal(self, request: Request) -> Principal:
        """The request's principal, looked up once per request (a database read)."""
        known = request.scope.get(_PRINCIPAL)
        if isinstance(known, Principal):
            return known
        found = self._identify(request)
        request.scope[_PRINCIPAL] = found
        return found

    def _identify(self, request: Request) -> Principal:
        if self.accounts is None:
            return LOCAL
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorised(
                "this server needs an API token",
                hint="send `Authorization: Bearer mpt_...` (set MODELPORT_TOKEN for the CLI); "
                "an admin creates one with `modelport tokens create --user NAME`",
            )
        identity = self.accounts.identify(token.strip())
        if identity is None:
            raise Unauthorised(
                "the API token is not valid: it was revoked, or mistyped",
                hint="ask an admin for a new one (`modelport tokens create --user NAME`)",
            )
        return Principal(user=identity.user, admin=identity.admin, roles=identity.roles)


def authenticate(request: Request) -> Principal:
    """The principal of ``request`` (Unauthorised when it has no valid token)."""
    authenticator: Authenticator = request.app.state.authenticator
    return authenticator.principal(request)


def authorize(request: Request, workspace: str, needed: str) -> Principal:
    """The principal of ``request`` if it has at least role ``needed`` (``viewer``, ``editor``
    or ``owner``) in ``workspace``; else Unauthorised (no valid token) or Forbidden. Others
    are Forbidden from a workspace that does not exist too (never told which exist); an admin,
    who sees every workspace's name, is let through to the route's NotFound."""
    principal = authenticate(request)
    if principal.may(workspace, needed):
        return principal
    role = principal.role_in(workspace)
    if role is None and principal.admin and not _exists(request, workspace):
        return principal  # an admin may know that it does not exist: the route says NotFound
    if role is None:
        raise Forbidden(
            f"user {principal.user!r} is not a member of workspace {workspace!r}",
            hint="an owner of the workspace can add you "
            f"(`modelport workspaces members add {workspace} {principal.user} --role viewer`)",
            field="workspace",
        )
    raise Forbidden(
        f"user {principal.user!r} is a {role} of workspace {workspace!r}; this needs {needed}",
        hint="an owner of the workspace can change your role",
        field="workspace",
    )


def _exists(request: Request, workspace: str) -> bool:
    registry = ServerState.of(request).registry
    return any(found.name == workspace for found in registry.list_workspaces())


def require_admin(request: Request) -> Principal:
    """The principal of ``request`` if it is an admin of the server; else Unauthorised or
    Forbidden."""
    principal = authenticate(request)
    if not principal.admin:
        raise Forbidden(
            f"user {principal.user!r} is not an admin of this server",
            hint="an admin adds admins with `modelport users add NAME --admin`",
        )
    return principal
