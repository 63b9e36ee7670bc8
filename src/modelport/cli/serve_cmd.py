"""``modelport serve``: a model over HTTP, in the model's own environment."""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer
from rich.text import Text

from modelport.build.artifact import open_artifact
from modelport.cli.build_cmd import env_mode
from modelport.cli.context import STATE
from modelport.cli.output import console
from modelport.cli.pipeline_cmd import is_pipeline, serve_pipeline
from modelport.cli.targets import reexec_in_model_environment, resolve_target


def serve(
    target: Annotated[
        str,
        typer.Argument(help="NAME, NAME:VERSION, NAME@ALIAS, a project folder or an artifact .zip"),
    ],
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8080,
    env: Annotated[str, typer.Option("--env", help="Build option for project folders.")] = "auto",
    name: Annotated[str | None, typer.Option("--name", help="Serve under this model name.")] = None,
    timeout: Annotated[
        float | None, typer.Option("--timeout", help="Seconds a prediction may take (504 after).")
    ] = None,
    max_body_size: Annotated[
        int, typer.Option("--max-body-size", help="Largest request body in bytes (413 above).")
    ] = 100 * 1024**2,
    threads: Annotated[
        int, typer.Option("--threads", help="Threads running synchronous predict calls.")
    ] = 4,
    log_inferences: Annotated[
        bool, typer.Option("--log-inferences", help="Pipelines: log every inference.")
    ] = False,
    as_version: Annotated[int | None, typer.Option("--as-version", hidden=True)] = None,
    no_reexec: Annotated[bool, typer.Option("--no-reexec", hidden=True)] = False,
) -> None:
    """Serve a model or a pipeline over HTTP (native, KServe V1 and Open Inference V2 routes)."""
    if is_pipeline(target):
        serve_pipeline(target, host=host, port=port, timeout=timeout, threads=threads,
                       max_body_size=max_body_size, log_inferences=log_inferences)  # fmt: skip
        return
    resolved = resolve_target(target, env=env_mode(env), name=name, as_version=as_version)
    artifact = open_artifact(
        resolved.artifact,
        max_bytes=STATE.settings.max_artifact_bytes,
        expected_digest=resolved.digest,
    )
    if not no_reexec:
        command = ["serve", str(resolved.artifact), "--no-reexec"]
        if resolved.name:
            command += ["--name", resolved.name]
        if resolved.version is not None:
            command += ["--as-version", str(resolved.version)]
        reexec_in_model_environment(
            artifact.manifest.lock, artifact.manifest.build, [*command, *_passthrough_options()]
        )

    from modelport.serving.app import AppOptions, create_app
    from modelport.serving.loader import load_artifact
    from modelport.serving.models import ModelSet
    from modelport.serving.runtime import ModelRuntime
    from modelport.serving.server import run_server

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    loaded = load_artifact(
        resolved.artifact,
        settings=STATE.settings,
        version=resolved.version,
        expected_digest=artifact.digest,
        name=resolved.name,
    )
    runtime = ModelRuntime(
        loaded.servable, version=resolved.version, threads=threads, timeout=timeout
    )
    models = ModelSet([runtime])
    app = create_app(models, AppOptions(max_body_size=max_body_size, debug=STATE.debug))
    base = f"http://{host}:{port}"
    console.print(Text(f"Serving {runtime.name} at {base} (Ctrl-C stops)"))
    console.print(
        Text(
            f"curl -s {base}/v1/models/{runtime.name}/predict "
            f"-H 'Content-Type: application/json' -d '{_curl_body(runtime.servable)}'"
        )
    )
    sys.stdout.flush()
    run_server(app, models, host=host, port=port)


def _passthrough_options() -> list[str]:
    """The serving options of this command line, for the re-executed server."""
    options = []
    args = sys.argv[1:]
    for index, arg in enumerate(args):
        key = arg.split("=", 1)[0]
        if key in ("--host", "--port", "--timeout", "--max-body-size", "--threads"):
            options.append(arg)
            if "=" not in arg and index + 1 < len(args):
                options.append(args[index + 1])
    return options


def _curl_body(servable: object) -> str:
    import json

    example = getattr(servable, "example", None)
    if example:
        return json.dumps(example[:1])
    signature = getattr(servable, "signature", None)
    inputs = signature.inputs if signature is not None else ()
    if not inputs:
        return "[{}]"
    return json.dumps([{f.name: _example_value(f.arrow_type) for f in inputs}])


def _example_value(arrow_type: object) -> object:
    import pyarrow as pa

    assert isinstance(arrow_type, pa.DataType)
    if pa.types.is_floating(arrow_type):
        return 1.0
    if pa.types.is_integer(arrow_type):
        return 1
    if pa.types.is_boolean(arrow_type):
        return True
    if pa.types.is_string(arrow_type):
        return "hello"
    return None


def register(app: typer.Typer) -> None:
    app.command()(serve)
