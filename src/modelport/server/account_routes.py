"""Who you are, your API tokens, and a workspace's members and their roles, over the API."""

from __future__ import annotations

import dataclasses

from starlette.requests import Request
from starlette.responses import Response

from modelport.registry.sql.accounts import ApiToken, Member
from modelport.server.access import authenticate
from modelport.server.routing import Operation, answer, blocking, json_body, text_field
from modelport.server.state import ServerState


def token_json(token: ApiToken) -> dict[str, object]:
    return {**dataclasses.asdict(token), "created_at": token.created_at.isoformat()}


def member_json(member: Member) -> dict[str, object]:
    return dataclasses.asdict(member)


async def whoami(request: Request) -> Response:
    principal = authenticate(request)
    return answer({"user": principal.user, "admin": principal.admin, "roles": principal.roles})


async def list_tokens(request: Request) -> Response:
    accounts = ServerState.of(request).require_accounts()
    found = await blocking(accounts.list_tokens, user=authenticate(request).user)
    return answer({"tokens": [token_json(t) for t in found]})


async def create_token(request: Request) -> Response:
    accounts = ServerState.of(request).require_accounts()
    label = text_field(await json_body(request), "label", optional=True)
    made = await blocking(accounts.create_token, user=authenticate(request).user, label=label)
    return answer({"token": made.token, **token_json(made.info)}, 201)


async def delete_token(request: Request) -> Response:
    accounts = ServerState.of(request).require_accounts()
    token_id = request.path_params["token_id"]
    await blocking(accounts.delete_token, token_id=token_id, user=authenticate(request).user)
    return Response(status_code=204)


async def list_members(request: Request) -> Response:
    accounts = ServerState.of(request).require_accounts()
    found = await blocking(accounts.list_members, workspace=request.path_params["workspace"])
    return answer({"members": [member_json(m) for m in found]})


async def set_member(request: Request) -> Response:
    accounts = ServerState.of(request).require_accounts()
    role = text_field(await json_body(request), "role")
    made = await blocking(
        accounts.set_member,
        workspace=request.path_params["workspace"],
        user=request.path_params["user"],
        role=role,
    )
    return answer(member_json(made))


async def remove_member(request: Request) -> Response:
    accounts = ServerState.of(request).require_accounts()
    await blocking(
        accounts.remove_member,
        workspace=request.path_params["workspace"],
        user=request.path_params["user"],
    )
    return Response(status_code=204)


_MEMBERS = "/workspaces/{workspace}/members"

OPERATIONS = [
    Operation("GET", "/whoami", whoami, "user", "Your user name, whether you are an admin, and "
              "your role in each workspace.", answer="Identity"),
    Operation("GET", "/tokens", list_tokens, "user", "Your API tokens (never their values).",
              answer="TokenList"),
    Operation("POST", "/tokens", create_token, "user",
              "Create an API token for yourself: its value is answered this once.",
              request="NewToken", answer="CreatedToken", status=201),
    Operation("DELETE", "/tokens/{token_id}", delete_token, "user", "Revoke one of your tokens.",
              status=204),
    Operation("GET", _MEMBERS, list_members, "viewer",
              "The members of a workspace and their roles.", answer="MemberList"),
    Operation("PUT", _MEMBERS + "/{user}", set_member, "owner",
              "Give a user a role in the workspace (viewer, editor or owner).",
              request="MemberRole", answer="Member"),
    Operation("DELETE", _MEMBERS + "/{user}", remove_member, "owner",
              "Remove a user from the workspace.", status=204),
]  # fmt: skip
