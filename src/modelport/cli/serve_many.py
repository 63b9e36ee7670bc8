"""``modelport serve A B C``: several models behind one address, each in a worker running its
own environment's interpreter, with a front process routing by model name
(``serving/front``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import typer

from modelport.artifact.reader import open_artifact
from modelport.cli.context import STATE
from modelport.cli.pipeline_cmd import is_pipeline
from modelport.cli.targets import ServeTarget, resolve_target, serving_command
from modelport.errors import ConfigError

if TYPE_CHECKING:
    from modelport.builder.build_options import EnvMode
    from modelport.serving.front.pool import PoolLimits
    from modelport.serving.front.worker import WorkerSpec
    from modelport.serving.launch import ServeOptions

WORKER_HOST = "127.0.0.1"
"""The address a worker's server believes it has: its allowed host names are the loopback
ones, which the front sends (it listens on a Unix socket, not on this address)."""


def serve_many(
    targets: Sequence[str],
    *,
    env: EnvMode,
    worker_options: Sequence[str],
    options: ServeOptions,
    limits: PoolLimits,
) -> None:
    """Resolve (build, verify, unpack) every target, then serve them all behind one front;
    ``worker_options`` are each model server's own (``--timeout``, ``--max-body-size``...)."""
    from modelport.serving.front.run import FrontOptions, serve_front

    grpc = options.grpc_port is not None
    specs = [_spec(target, env, worker_options, grpc=grpc) for target in targets]
    names = ", ".join(spec.name for spec in specs)
    base = options.base_url
    banner = [
        f"Serving {names} at {base} (Ctrl-C stops)",
        f"  e.g. curl -X POST {base}/v2/models/{specs[0].name}/infer -d @request.json",
    ]
    serve_front(specs, FrontOptions(options, limits), banner=banner)


def _spec(target: str, env: EnvMode, worker_options: Sequence[str], *, grpc: bool) -> WorkerSpec:
    from modelport.serving.front.worker import WorkerSpec

    if is_pipeline(target):
        raise ConfigError(
            f"{target} is a pipeline, which serves alone",
            hint=f"serve it on another port: modelport serve {target}",
            field="TARGET",
        )
    resolved = resolve_target(target, env=env, name=None, as_version=None)
    if resolved.name is None:  # an artifact file: the name its manifest gives
        resolved = replace(resolved, name=_manifest_name(resolved))
    assert resolved.name is not None
    server = ["--host", WORKER_HOST, *worker_options]
    version = str(resolved.version) if resolved.version is not None else "1"
    command = tuple(serving_command(resolved, server))
    return WorkerSpec(resolved.name, command, version=version, grpc=grpc)


def _manifest_name(target: ServeTarget) -> str:
    artifact = open_artifact(
        target.artifact, max_bytes=STATE.settings.max_artifact_bytes, expected_digest=target.digest
    )
    return artifact.manifest.name


def check_many(*, name: str | None, reload: bool, grpc_port: int | None, pooled: bool) -> None:
    """Options that serve one model only, refused with several targets; ``pooled``: each
    model's server would be a pool of processes (``--workers`` over 1, ``--max-worker-memory``)."""
    given = {"--name": name is not None, "--reload": reload}
    for option, is_given in given.items():
        if is_given:
            raise typer.BadParameter(f"{option} serves one TARGET; give one, or leave {option} out")
    if grpc_port is not None and pooled:
        raise typer.BadParameter(
            "--grpc-port with several TARGETs needs one process per model (a model's gRPC "
            "server listens on a Unix socket only one process can hold); leave out --workers "
            "and --max-worker-memory"
        )
