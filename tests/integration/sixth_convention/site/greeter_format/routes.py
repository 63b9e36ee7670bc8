"""``GET /greet/{name}``: the greeting as text; errors as ``error: <message>`` text."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from greeter_format.operations import Greet
from modelport.serving.models import ModelSet
from modelport.serving.problems import Problem, answering


def greeter_body(problem: Problem) -> Response:
    return PlainTextResponse(f"error: {problem.detail}", status_code=problem.status)


def greeter_routes(models: ModelSet) -> list[BaseRoute]:
    greeters = [runtime for runtime in models.all() if runtime.takes(Greet)]

    async def greet(request: Request) -> Response:
        name = request.path_params["name"]
        if name == "nobody":
            raise LookupError("nobody to greet")
        return PlainTextResponse(await greeters[0].invoke(Greet(name)))

    return [Route("/greet/{name}", answering(greeter_body, greet), methods=["GET"])]
