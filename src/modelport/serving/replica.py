"""One model's app for a process that some other server runs: a Ray Serve replica.

``modelport serve`` binds a socket and runs uvicorn itself (``serving.launch``); a replica of a
cluster deployment is handed its requests by the cluster's own HTTP proxy instead, as ASGI
calls. Both answer with the same app (``serving.app.create_app``): the same routes (native,
KServe V1, Open Inference V2 and the model's convention's own), validation, batching and
metrics, over the same model runtime, loaded once per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette

from modelport.codecs.limits import DEFAULT_MAX_BODY, DEFAULT_MAX_ROWS, decoded_bound
from modelport.errors import NotFound
from modelport.servable import Servable
from modelport.serving.app import AppOptions, create_app
from modelport.serving.batching import BatchingOptions
from modelport.serving.conventions import Services
from modelport.serving.memory_limit import memory_limit
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime

__all__ = ["ReplicaOptions", "load_replica_model", "replica_app", "runtime_app"]


@dataclass(frozen=True)
class ReplicaOptions:
    """What one replica serves, and how it treats requests (``modelport serve``'s defaults)."""

    artifact: str
    """An artifact file (``.zip``, verified and unpacked here) or an unpacked artifact folder."""
    name: str | None = None
    """Serve under this model name (None: the manifest's)."""
    version: int | None = None
    digest: str | None = None
    """The artifact's digest (``sha256:...``): checked when the artifact is a file."""
    threads: int = 4
    timeout: float | None = 60.0
    max_batch_size: int | None = None
    max_latency_ms: float = 0.0
    max_body_size: int = DEFAULT_MAX_BODY
    max_rows: int = DEFAULT_MAX_ROWS


def load_replica_model(options: ReplicaOptions) -> Servable:
    """The model of ``options.artifact`` (not yet initialised): an unpacked folder is loaded as
    it is; a file is verified (against ``digest`` when given) and unpacked into this machine's
    modelport home first, once per digest."""
    from modelport.serving.loader import load_artifact, load_unpacked

    path = Path(options.artifact)
    if path.is_dir():
        return load_unpacked(path, name=options.name)
    if not path.is_file():
        raise NotFound(
            f"artifact {path} does not exist on this node",
            hint="deploy from a machine that shares the modelport home with the cluster's nodes, "
            "or give the replicas an artifact path every node can read",
            field="artifact",
        )
    from modelport.settings import Settings

    loaded = load_artifact(
        path,
        settings=Settings(),
        version=options.version,
        expected_digest=options.digest,
        name=options.name,
    )
    return loaded.servable


async def replica_app(options: ReplicaOptions) -> Starlette:
    """The model loaded and initialised (``initialize()`` has run: the replica is ready when
    this returns), and the app that answers for it."""
    servable = load_replica_model(options)
    runtime = ModelRuntime(
        servable,
        version=options.version,
        digest=options.digest,
        threads=options.threads,
        timeout=options.timeout,
        batching=BatchingOptions(options.max_batch_size, options.max_latency_ms),
    )
    return await runtime_app(
        runtime, max_body_size=options.max_body_size, max_rows=options.max_rows
    )


async def runtime_app(
    runtime: ModelRuntime,
    *,
    max_body_size: int = DEFAULT_MAX_BODY,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> Starlette:
    """The app answering for ``runtime``'s model (a model's replica, or a pipeline's ingress,
    ``deploy.ray_pipeline``), once the model is initialised."""
    from modelport.serving.server import load_models

    models = ModelSet([runtime])
    app_options = AppOptions(
        max_body_size=max_body_size,
        max_rows=max_rows,
        max_decoded_size=decoded_bound(max_body_size, memory_limit(), 1),
    )
    app = create_app(models, app_options, Services())
    await load_models(models)
    return app
