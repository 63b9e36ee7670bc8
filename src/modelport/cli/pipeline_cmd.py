"""``modelport pipeline``: Wallaroo-style pipelines of registered models, and serving them."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from modelport.cli.context import STATE
from modelport.cli.options import JsonFlag, command, group
from modelport.cli.output import console, print_fields, print_json, print_table
from modelport.cli.targets import ServeTarget, is_path, serving_command
from modelport.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from modelport.pipelines.definition import PipelineVersion
    from modelport.pipelines.store import PipelineStore
    from modelport.registry.entities import ModelVersion
    from modelport.servable import Servable
    from modelport.serving.conventions import ExampleRequest
    from modelport.serving.launch import ServeOptions

pipeline_app = group("Pipelines: registered models run as ordered steps (Wallaroo).")


@contextmanager
def _pipelines() -> Iterator[PipelineStore]:
    from modelport.pipelines.store import PipelineStore

    with PipelineStore.open(STATE.registry_uri, settings=STATE.settings) as store:
        yield store


def _print_version(version: PipelineVersion, *, as_json: bool, verb: str) -> None:
    if as_json:
        print_json({"pipeline": version.pipeline, "version": version.number,
                    **version.definition.to_dict()})  # fmt: skip
        return
    steps = " -> ".join(s.ref for s in version.definition.steps) or "no steps yet"
    console.print(Text(f"{verb} {version.ref}: {steps}"))


@command(pipeline_app, "create")
def create(
    name: str,
    step: Annotated[
        list[str] | None, typer.Option("--step", help="A model reference; repeat, in order.")
    ] = None,
    description: Annotated[str | None, typer.Option("--description")] = None,
    log_inferences: Annotated[
        bool, typer.Option("--log-inferences", help="Log every inference as Parquet.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Create pipeline NAME (version 1), optionally with its first steps."""
    from modelport.pipelines.editing import create_pipeline

    with _pipelines() as pipelines:
        version = create_pipeline(
            name,
            registry=STATE.store,
            pipelines=pipelines,
            steps=step or (),
            description=description,
            log_inferences=log_inferences,
        )
    _print_version(version, as_json=as_json, verb="Created")


@command(pipeline_app, "add-step")
def add_step(name: str, model_ref: str, as_json: JsonFlag = False) -> None:
    """Append model MODEL_REF (NAME, NAME:V or NAME@ALIAS) as the last step: a new version."""
    from modelport.pipelines import editing

    with _pipelines() as pipelines:
        version = editing.add_step(name, model_ref, registry=STATE.store, pipelines=pipelines)
    _print_version(version, as_json=as_json, verb="Now")


@command(pipeline_app, "add-validation")
def add_validation(name: str, label: str, expression: str, as_json: JsonFlag = False) -> None:
    """Add validation LABEL, a condition such as 'out.predictions < 1000000': a new version."""
    from modelport.pipelines import editing

    with _pipelines() as pipelines:
        version = editing.add_validation(
            name, label, expression, registry=STATE.store, pipelines=pipelines
        )
    _print_version(version, as_json=as_json, verb="Now")


@command(pipeline_app, "update")
def update(
    name: str,
    log_inferences: Annotated[
        bool, typer.Option("--log-inferences/--no-log-inferences", help="Log every inference.")
    ],
    as_json: JsonFlag = False,
) -> None:
    """Turn inference logging of pipeline NAME on or off."""
    with _pipelines() as pipelines:
        pipeline = pipelines.set_log_inferences(name=name, enabled=log_inferences)
    if as_json:
        print_json({"pipeline": name, "log_inferences": pipeline.log_inferences})
        return
    console.print(Text(f"{name}: inference logging {'on' if pipeline.log_inferences else 'off'}"))


@command(pipeline_app, "list")
def list_pipelines(as_json: JsonFlag = False) -> None:
    """Every pipeline."""
    with _pipelines() as pipelines:
        found = pipelines.list_pipelines()
    if as_json:
        print_json(found)
        return
    rows = [(p.name, p.latest, p.log_inferences, p.description, p.updated_at) for p in found]
    print_table(None, ["name", "latest", "logging", "description", "updated"], rows)


@command(pipeline_app, "show")
def show(
    ref: Annotated[str, typer.Argument(help="NAME (its newest version) or NAME:VERSION")],
    as_json: JsonFlag = False,
) -> None:
    """A pipeline version's steps and validations, and the pipeline's versions."""
    with _pipelines() as pipelines:
        version = pipelines.resolve(ref)
        pipeline = pipelines.get(name=version.pipeline)
        versions = pipelines.list_versions(name=version.pipeline)
    definition = version.definition
    if as_json:
        print_json({"pipeline": pipeline, "version": version.number,
                    **definition.to_dict(), "versions": [v.number for v in versions]})  # fmt: skip
        return
    print_fields(
        f"{version.ref}",
        [
            ("description", pipeline.description),
            ("steps", " -> ".join(s.ref for s in definition.steps) or None),
            ("validations", {v.label: v.expression for v in definition.validations}),
            ("logging", "on" if pipeline.log_inferences else "off"),
            ("versions", [v.number for v in versions]),
            ("created", pipeline.created_at),
            ("updated", pipeline.updated_at),
        ],
    )


@command(pipeline_app, "infer")
def infer(
    ref: Annotated[str, typer.Argument(help="NAME or NAME:VERSION")],
    data: Annotated[
        Path,
        typer.Option(
            "--file",
            "--data",
            help="Rows: .json (pandas' to_json() in any orient, e.g. a .df.json), .arrow, "
            ".parquet, .csv",
        ),
    ],
    log_inferences: Annotated[
        bool, typer.Option("--log-inferences", help="Log this inference.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the frame as JSON, as the SDK gets it.")
    ] = False,
) -> None:
    """Run rows through the pipeline here and print its result frame: a table, or with --json as
    `pipeline.infer()` of Wallaroo's SDK gets it (flat pandas-records: time, in.*, out.*,
    anomaly.*)."""
    import anyio

    from modelport.cli.input_rows import read_batch
    from modelport.formats.wallaroo.answers import SDK_DEFAULT, encode_json
    from modelport.formats.wallaroo.data_rules import check_json_input
    from modelport.formats.wallaroo.pipeline import InferFrame
    from modelport.pipelines.loading import load_pipeline
    from modelport.pipelines.step_output import log_to_stderr
    from modelport.serving.runtime import ModelRuntime

    log_to_stderr()  # what steps print, apart from the frame on stdout
    with _pipelines() as pipelines:
        servable = load_pipeline(
            ref,
            registry=STATE.store,
            pipelines=pipelines,
            settings=STATE.settings,
            log_inferences=log_inferences,
        )
    runtime = ModelRuntime(servable, version=servable.version.number, threads=1, inline=False)
    batch = read_batch(
        None, data, runtime.validator, file_option="--file", check_json=check_json_input
    )
    runtime.load()
    frame = anyio.run(runtime.invoke, InferFrame(batch))
    if as_json:
        sys.stdout.write(encode_json(frame, SDK_DEFAULT).decode() + "\n")
        return
    print_table(None, frame.column_names, (list(row.values()) for row in frame.to_pylist()))


@command(pipeline_app, "logs")
def logs(
    name: str,
    since: Annotated[
        str | None, typer.Option("--since", help="10m, 2h, 1d, or a date/time (UTC)")
    ] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Newest N rows.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """The logged inferences of pipeline NAME, oldest first."""
    from modelport.formats.wallaroo.frames import encode_pandas_records
    from modelport.pipelines.logs import InferenceLog, parse_since

    with _pipelines() as pipelines:
        pipelines.get(name=name)
    when = parse_since(since) if since else None
    table = InferenceLog.of(name, settings=STATE.settings).read(since=when, limit=limit)
    if as_json:
        sys.stdout.write(encode_pandas_records(table).decode() + "\n")
        return
    print_table(None, table.column_names, (list(row.values()) for row in table.to_pylist()))


def is_pipeline(target: str) -> bool:
    """Whether ``modelport serve TARGET`` names a pipeline: not a path, not a model, and a
    pipeline of that name exists."""
    if is_path(target):
        return False
    name = target.partition(":")[0]
    if "@" in name:
        return False
    try:
        STATE.store.get_model(name=name)
        return False
    except InvalidInput:
        return False  # not a name at all: serve says what is wrong with it
    except NotFound:
        pass
    with _pipelines() as pipelines:
        try:
            return pipelines.exists(name=name)
        except NotFound:
            return False


def serve_pipeline(ref: str, options: ServeOptions, *, log_inferences: bool) -> None:
    """Serve pipeline ``ref``: the Wallaroo route plus every generic protocol under its name."""
    from modelport.errors import ConfigError
    from modelport.pipelines.loading import load_pipeline
    from modelport.serving.front.remote import WorkerServable
    from modelport.serving.launch import Served, configure_logging, serve
    from modelport.serving.quickstart import curl_line

    configure_logging()

    with _pipelines() as pipelines:
        servable = load_pipeline(
            ref,
            registry=STATE.store,
            pipelines=pipelines,
            settings=STATE.settings,
            log_inferences=log_inferences,
            elsewhere=partial(step_worker, options=options),
        )
    remote = [step.label for step in servable.steps if isinstance(step.servable, WorkerServable)]
    if remote and options.workers > 1:
        raise ConfigError(
            f"steps {', '.join(remote)} run in workers of their own environments, which a pool "
            "of serving processes cannot share",
            hint="serve this pipeline with --workers 1 (its default)",
            field="--workers",
        )
    base = options.base_url
    logged = " (logging inferences)" if servable.log is not None else ""
    banner = [
        f"Serving pipeline {servable.version.ref} at {base}{logged} (Ctrl-C stops)",
        curl_line(base, _example_request(servable)),
    ]
    serve([Served(servable, servable.version.number)], options, STATE.services(), banner=banner)


def step_worker(version: ModelVersion, *, options: ServeOptions) -> Servable | None:
    """A worker running ``version``'s model in its own environment, when that environment is
    not this process's (None: the step loads here)."""
    from modelport.schema import Signature
    from modelport.serving.front.remote import WorkerServable
    from modelport.serving.front.worker import WorkerSpec

    if version.build.get("environment") != "venv":
        return None
    target = ServeTarget(
        STATE.store.artifact_path(version), version.model, version.number, version.digest
    )
    worker = [
        *("--host", "127.0.0.1", "--workers", "1", "--threads", str(options.threads)),
        *("--log-level", options.log_level, "--log-format", options.log_format),
        *("--max-body-size", str(options.max_body_size), "--max-rows", str(options.max_rows)),
    ]
    command = serving_command(target, worker)
    if Path(command[0]).parent.parent.resolve() == Path(sys.prefix).resolve():
        return None  # built in the environment running this command
    spec = WorkerSpec(version.model, tuple(command))
    return WorkerServable(spec, Signature.from_dict(version.signature), version.metadata)


def _example_request(servable: Servable) -> ExampleRequest:
    """The request printed at start: one row of the pipeline's first inputs (the first step's
    example, or made up from its schema) to the Wallaroo route, as pandas-records."""
    import json
    from urllib.parse import quote

    from modelport.serving.conventions import ExampleRequest
    from modelport.serving.openapi.examples import input_rows

    rows = input_rows(servable.signature, servable.example)[:1]
    return ExampleRequest(
        f"/pipelines/{quote(servable.name, safe='')}",
        json.dumps(rows or [{}]),
        content_type="application/json; format=pandas-records",
    )


def register(app: typer.Typer) -> None:
    app.add_typer(pipeline_app, name="pipeline")
