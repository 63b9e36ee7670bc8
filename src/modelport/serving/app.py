"""The ASGI application: routes to the runtime, errors mapped in one place."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from modelport.codecs.json_frames import decode_rows, encode_records, parse_json
from modelport.errors import ModelportError, NotFound
from modelport.serving.problems import handle_modelport_error
from modelport.serving.runtime import ModelRuntime


def create_app(runtimes: list[ModelRuntime]) -> Starlette:
    """An app serving the given (already loaded) models."""
    by_name = {runtime.name: runtime for runtime in runtimes}

    def runtime_for(request: Request) -> ModelRuntime:
        name = request.path_params["name"]
        runtime = by_name.get(name)
        if runtime is None:
            raise NotFound(
                f"model {name!r} is not served here", hint=f"served: {', '.join(by_name)}"
            )
        version = request.path_params.get("version")
        if version is not None and str(runtime.version) != version:
            raise NotFound(f"version {version} of {name!r} is not served here")
        return runtime

    async def predict(request: Request) -> Response:
        runtime = runtime_for(request)
        value = parse_json(await request.body())
        orient = request.query_params.get("format")
        batch = decode_rows(value, orient=orient, input_names=runtime.validate.names)
        result = await runtime.predict(batch)
        return Response(encode_records(result), media_type="application/json")

    async def live(request: Request) -> Response:
        return JSONResponse({"live": True})

    async def ready(request: Request) -> Response:
        is_ready = all(r.ready for r in runtimes)
        return JSONResponse({"ready": is_ready}, status_code=200 if is_ready else 503)

    async def model_ready(request: Request) -> Response:
        runtime = runtime_for(request)
        return JSONResponse({"name": runtime.name, "ready": runtime.ready})

    routes = [
        Route("/v1/models/{name}/predict", predict, methods=["POST"]),
        Route("/v1/models/{name}/versions/{version}/predict", predict, methods=["POST"]),
        Route("/v1/models/{name}", model_ready, methods=["GET"]),
        Route("/v2/health/live", live, methods=["GET"]),
        Route("/v2/health/ready", ready, methods=["GET"]),
    ]
    return Starlette(routes=routes, exception_handlers={ModelportError: handle_modelport_error})
