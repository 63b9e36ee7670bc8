"""A workspace's secrets over the API: set, list names, delete. A value goes in and never comes
out: no route answers one, and the server's log blanks what a message may quote."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from modelport.errors import NotFound
from modelport.secrets import SecretStore, check_name
from modelport.server.routing import Operation, answer, blocking, json_body, text_field
from modelport.server.state import ServerState


def _secrets(request: Request) -> SecretStore:
    return SecretStore(ServerState.of(request).home, request.path_params["workspace"])


async def list_secrets(request: Request) -> Response:
    names = await blocking(_secrets(request).names)
    return answer({"secrets": names})


async def set_secret(request: Request) -> Response:
    name = check_name(request.path_params["name"])
    value = text_field(await json_body(request), "value")
    await blocking(_secrets(request).set, name=name, value=value)
    return answer({"name": name, "set": True})


async def delete_secret(request: Request) -> Response:
    name = request.path_params["name"]
    if not await blocking(_secrets(request).unset, name=name):
        raise NotFound(f"secret {name!r} is not set", field="name")
    return Response(status_code=204)


_SECRETS = "/workspaces/{workspace}/secrets"

OPERATIONS = [
    Operation("GET", _SECRETS, list_secrets, "viewer",
              "The names of a workspace's secrets (never their values).", answer="SecretList"),
    Operation("PUT", _SECRETS + "/{name}", set_secret, "editor",
              "Set a secret's value (it is never answered back).", request="SecretValue",
              answer="SecretSet"),
    Operation("DELETE", _SECRETS + "/{name}", delete_secret, "editor", "Forget a secret.",
              status=204),
]  # fmt: skip
