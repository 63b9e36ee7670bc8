"""``modelport serve``: a model over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from modelport.build.pipeline import BuildOptions, build_project
from modelport.cli.build_cmd import env_mode
from modelport.cli.context import STATE
from modelport.cli.output import console
from modelport.cli.progress import RichProgress
from modelport.serving.loader import LoadedModel, load_artifact


def serve(
    target: Annotated[
        str,
        typer.Argument(help="NAME, NAME:VERSION, NAME@ALIAS, a project folder or an artifact .zip"),
    ],
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8080,
    env: Annotated[str, typer.Option("--env", help="Build option for project folders.")] = "auto",
    name: Annotated[str | None, typer.Option("--name", help="Build option: registry name.")] = None,
) -> None:
    """Serve a model over HTTP."""
    loaded = _load(target, env=env, name=name)
    runtime_name = loaded.servable.name
    from modelport.serving.app import create_app
    from modelport.serving.runtime import ModelRuntime
    from modelport.serving.server import run_server

    runtime = ModelRuntime(loaded.servable, version=loaded.version)
    runtime.load()
    app = create_app([runtime])
    base = f"http://{host}:{port}"
    example = _curl_body(loaded)
    console.print(Text(f"Serving {runtime_name} at {base} (Ctrl-C stops)"))
    console.print(
        Text(
            f"curl -s {base}/v1/models/{runtime_name}/predict "
            f"-H 'Content-Type: application/json' -d '{example}'"
        )
    )
    run_server(app, host=host, port=port)


def _load(target: str, *, env: str, name: str | None) -> LoadedModel:
    settings = STATE.settings
    path = Path(target)
    if path.is_dir():
        with RichProgress(Console(stderr=True)) as progress:
            result = build_project(
                path,
                store=STATE.store,
                settings=settings,
                options=BuildOptions(name=name, env=env_mode(env)),
                progress=progress,
            )
        version = result.version
        return load_artifact(
            STATE.store.artifact_path(version),
            settings=settings,
            version=version.number,
            expected_digest=version.digest,
            name=version.model,
        )
    if path.is_file():
        return load_artifact(path, settings=settings)
    version = STATE.store.resolve(target)
    return load_artifact(
        STATE.store.artifact_path(version),
        settings=settings,
        version=version.number,
        expected_digest=version.digest,
        name=version.model,
    )


def _curl_body(loaded: LoadedModel) -> str:
    import json

    if loaded.servable.example:
        return json.dumps(loaded.servable.example[:1])
    inputs = loaded.servable.signature.inputs
    if not inputs:
        return "[{}]"
    sample = {f.name: _example_value(f.arrow_type) for f in inputs}
    return json.dumps([sample])


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
