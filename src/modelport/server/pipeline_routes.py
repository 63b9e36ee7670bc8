"""A workspace's pipelines over the API: list, show, create, add steps and validations (each a
new version, checked as ``modelport pipeline`` checks it), turn inference logging on or off, and
read the logged inferences (as ``modelport pipeline logs`` does)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from modelport.errors import InvalidInput
from modelport.formats.wallaroo.frames import encode_pandas_records
from modelport.pipelines import editing
from modelport.pipelines.definition import Pipeline, PipelineVersion
from modelport.pipelines.logs import InferenceLog, parse_since
from modelport.server.routing import Operation, answer, blocking, json_body, text_field
from modelport.server.state import ServerState


def pipeline_json(pipeline: Pipeline) -> dict[str, Any]:
    return {
        "workspace": pipeline.workspace,
        "name": pipeline.name,
        "description": pipeline.description,
        "log_inferences": pipeline.log_inferences,
        "latest": pipeline.latest,
        "created_at": pipeline.created_at.isoformat(),
        "updated_at": pipeline.updated_at.isoformat(),
    }


def pipeline_version_json(version: PipelineVersion) -> dict[str, Any]:
    return {
        "workspace": version.workspace,
        "pipeline": version.pipeline,
        "number": version.number,
        **version.definition.to_dict(),
        "created_at": version.created_at.isoformat() if version.created_at else None,
    }


def _where(request: Request) -> dict[str, Any]:
    return {"name": request.path_params["pipeline"], "workspace": request.path_params["workspace"]}


async def list_pipelines(request: Request) -> Response:
    pipelines = ServerState.of(request).pipelines
    found = await blocking(pipelines.list_pipelines, workspace=request.path_params["workspace"])
    return answer({"pipelines": [pipeline_json(p) for p in found]})


async def create_pipeline(request: Request) -> Response:
    state = ServerState.of(request)
    body = await json_body(request)
    steps = body.get("steps") or []
    if not isinstance(steps, list) or not all(isinstance(s, str) for s in steps):
        raise InvalidInput("steps must be a list of model references", field="steps")
    log_inferences = body.get("log_inferences", False)
    if not isinstance(log_inferences, bool):
        raise InvalidInput("log_inferences must be true or false", field="log_inferences")
    made = await blocking(
        editing.create_pipeline,
        text_field(body, "name"),
        registry=state.registry,
        pipelines=state.pipelines,
        steps=steps,
        description=text_field(body, "description", optional=True),
        log_inferences=log_inferences,
        workspace=request.path_params["workspace"],
    )
    return answer(pipeline_version_json(made), 201)


async def get_pipeline(request: Request) -> Response:
    pipelines = ServerState.of(request).pipelines
    found = await blocking(pipelines.get, **_where(request))
    versions = await blocking(pipelines.list_versions, **_where(request))
    return answer(
        {**pipeline_json(found), "versions": [pipeline_version_json(v) for v in versions]}
    )


async def update_pipeline(request: Request) -> Response:
    enabled = (await json_body(request)).get("log_inferences")
    if not isinstance(enabled, bool):
        raise InvalidInput("log_inferences must be true or false", field="log_inferences")
    pipelines = ServerState.of(request).pipelines
    found = await blocking(pipelines.set_log_inferences, **_where(request), enabled=enabled)
    return answer(pipeline_json(found))


async def add_step(request: Request) -> Response:
    state = ServerState.of(request)
    model_ref = text_field(await json_body(request), "model_ref")
    where = _where(request)
    made = await blocking(
        editing.add_step,
        where["name"],
        model_ref,
        registry=state.registry,
        pipelines=state.pipelines,
        workspace=where["workspace"],
    )
    return answer(pipeline_version_json(made), 201)


async def add_validation(request: Request) -> Response:
    state = ServerState.of(request)
    body = await json_body(request)
    where = _where(request)
    made = await blocking(
        editing.add_validation,
        where["name"],
        text_field(body, "label"),
        text_field(body, "expression"),
        registry=state.registry,
        pipelines=state.pipelines,
        workspace=where["workspace"],
    )
    return answer(pipeline_version_json(made), 201)


async def get_pipeline_version(request: Request) -> Response:
    pipelines = ServerState.of(request).pipelines
    number = request.path_params["number"]
    found = await blocking(pipelines.get_version, **_where(request), number=number)
    return answer(pipeline_version_json(found))


DEFAULT_LOG_ROWS = 100
MAX_LOG_ROWS = 1000
"""How many of the newest logged rows ``GET .../logs`` answers, by default and at most."""


def _log_limit(request: Request) -> int:
    text = request.query_params.get("limit", str(DEFAULT_LOG_ROWS))
    if not text.isdigit() or not 1 <= int(text) <= MAX_LOG_ROWS:
        raise InvalidInput(
            f"limit must be a whole number from 1 to {MAX_LOG_ROWS}, not {text!r}",
            hint="e.g. ?limit=50",
            field="limit",
        )
    return int(text)


async def get_pipeline_logs(request: Request) -> Response:
    state = ServerState.of(request)
    where = _where(request)
    limit = _log_limit(request)
    since_text = request.query_params.get("since")
    since = parse_since(since_text) if since_text else None
    found = await blocking(state.pipelines.get, **where)
    log = InferenceLog.of(found.name, settings=state.settings, workspace=found.workspace)
    table = await blocking(log.read, since=since, limit=limit)
    rows = orjson.loads(encode_pandas_records(table))
    return answer(
        {
            "workspace": found.workspace,
            "pipeline": found.name,
            "log_inferences": found.log_inferences,
            "columns": table.column_names,
            "rows": rows,
        }
    )


_PIPELINES = "/workspaces/{workspace}/pipelines"
_PIPELINE = _PIPELINES + "/{pipeline}"

OPERATIONS = [
    Operation("GET", _PIPELINES, list_pipelines, "viewer", "The pipelines of a workspace.",
              answer="PipelineList"),
    Operation("POST", _PIPELINES, create_pipeline, "editor",
              "Create a pipeline (version 1) running model references in order.",
              request="NewPipeline", answer="PipelineVersion", status=201),
    Operation("GET", _PIPELINE, get_pipeline, "viewer", "A pipeline and its versions.",
              answer="PipelineWithVersions"),
    Operation("PATCH", _PIPELINE, update_pipeline, "editor",
              "Turn the logging of every inference on or off.", request="PipelineChange",
              answer="Pipeline"),
    Operation("POST", _PIPELINE + "/steps", add_step, "editor",
              "Append a model as the last step: a new version.", request="NewStep",
              answer="PipelineVersion", status=201),
    Operation("POST", _PIPELINE + "/validations", add_validation, "editor",
              "Add a validation of the output: a new version.", request="NewValidation",
              answer="PipelineVersion", status=201),
    Operation("GET", _PIPELINE + "/versions/{number:int}", get_pipeline_version, "viewer",
              "One version of a pipeline.", answer="PipelineVersion"),
    Operation("GET", _PIPELINE + "/logs", get_pipeline_logs, "viewer",
              "The newest logged inferences (time, in.*, out.*, anomaly.*, pipeline_version), "
              "oldest first.", answer="PipelineLog", query=("limit", "since")),
]  # fmt: skip
