"""``modelport serve``: a model over HTTP, in the model's own environment."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from modelport.cli.build_options import env_mode
from modelport.cli.context import STATE
from modelport.cli.options import EnvOption, HostOption, PortOption, RegistryOption, command
from modelport.cli.serve_guard import (
    AllowedHostsOption,
    AuthFromRegistryOption,
    AuthTokenOption,
    AuthTokensFileOption,
    BodyTimeoutOption,
    HeaderTimeoutOption,
    KeepAliveOption,
    MaxConnectionsOption,
    MaxInFlightOption,
    ServeGuard,
    SslCertfileOption,
    SslKeyfileOption,
)
from modelport.cli.targets import (
    TARGET_HELP,
    become,
    registered_quickly,
    resolve_target,
    serving_command,
)
from modelport.serving.logs import check_format, level_number


def serve(
    targets: Annotated[
        list[str] | None,
        typer.Argument(
            help=f"{TARGET_HELP} A pipeline's name serves the pipeline. Several serve every "
            "one behind this address, each in its own environment's worker process. With "
            "--deepaas: registered DEEPaaS models or entry points (default all).",
            metavar="TARGET",
            show_default=False,
        ),
    ] = None,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8080,
    registry: RegistryOption = None,
    env: EnvOption = "auto",
    name: Annotated[str | None, typer.Option("--name", help="Serve under this model name.")] = None,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            help="Seconds a prediction may take (504 after; a pool replaces a worker whose call "
            "goes on); 0: no bound.",
        ),
    ] = 60.0,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            help="Processes answering requests, sharing the loaded model (default: one per core "
            "for a CPU-bound model, i.e. a plain synchronous predict; 1 for async or streaming "
            "models and models on torch, TensorFlow or JAX; 1 per model with several TARGETs). 1 "
            "serves in one process.",
            min=1,
            show_default=False,
        ),
    ] = None,
    graceful_timeout: Annotated[
        float,
        typer.Option(
            "--graceful-timeout", help="Seconds SIGTERM waits for in-flight requests.", min=0
        ),
    ] = 20.0,
    max_worker_memory: Annotated[
        str | None,
        typer.Option(
            "--max-worker-memory",
            help="Recycle a worker whose resident memory passes this (e.g. 2GiB), after its "
            "in-flight requests.",
            show_default=False,
        ),
    ] = None,
    max_body_size: Annotated[
        int,
        typer.Option(
            "--max-body-size", help="Largest request body in bytes, inflated too (413 above)."
        ),
    ] = 100 * 1024**2,
    max_rows: Annotated[
        int, typer.Option("--max-rows", help="Most rows one request may hold (413 above).")
    ] = 1_000_000,
    max_decoded_size: Annotated[
        str | None,
        typer.Option(
            "--max-decoded-size",
            help="Most bytes one request may decode to (e.g. 512MiB; 413 above). Default: the "
            "lesser of 10 x --max-body-size and the memory limit (cgroup, RLIMIT_AS) / "
            "(4 x workers).",
            show_default=False,
        ),
    ] = None,
    threads: Annotated[
        int, typer.Option("--threads", help="Threads running synchronous predict calls.")
    ] = 4,
    log_inferences: Annotated[
        bool, typer.Option("--log-inferences", help="Pipelines: log every inference.")
    ] = False,
    no_reexec: Annotated[
        bool, typer.Option("--no-reexec", hidden=True, help="--deepaas: serve in this process.")
    ] = False,
    deepaas: Annotated[
        bool, typer.Option("--deepaas", help="Serve registered DEEPaaS models (DEEPaaS V2 API).")
    ] = False,
    register: Annotated[
        bool, typer.Option("--register", help="With --deepaas: register trained packages.")
    ] = False,
    log_level: Annotated[
        str, typer.Option("--log-level", help="debug, info, warning, error or critical.")
    ] = "info",
    log_format: Annotated[
        str, typer.Option("--log-format", help="text, or json: one JSON object per line.")
    ] = "text",
    grpc_port: Annotated[
        int | None,
        typer.Option(
            "--grpc-port",
            help="Also serve the Open Inference Protocol (V2) over gRPC on this port.",
            show_default=False,
        ),
    ] = None,
    max_batch_size: Annotated[
        int | None,
        typer.Option(
            "--max-batch-size",
            help="Rows per merged batch of concurrent requests; 1 turns batching off. Default: "
            "sized by a calibration at load (64 rows, up to 16,384 with one worker per core) "
            "when it finds batching pays, else off.",
            min=1,
            show_default=False,
        ),
    ] = None,
    max_latency_ms: Annotated[
        float,
        typer.Option(
            "--max-latency-ms",
            help="How long a batch that is not full may wait for requests in flight to join.",
            min=0,
        ),
    ] = 0.0,
    max_models: Annotated[
        int | None,
        typer.Option(
            "--max-models",
            help="Several TARGETs: most models running at once; past it the least recently "
            "used one's worker stops, and loads again on its next request.",
            min=1,
            show_default=False,
        ),
    ] = None,
    max_models_memory: Annotated[
        str | None,
        typer.Option(
            "--max-models-memory",
            help="Several TARGETs: most resident memory of the models' workers together (e.g. "
            "4GiB); past it the least recently used ones stop.",
            show_default=False,
        ),
    ] = None,
    max_connections: MaxConnectionsOption = None,
    max_in_flight: MaxInFlightOption = None,
    header_timeout: HeaderTimeoutOption = 10.0,
    body_timeout: BodyTimeoutOption = 60.0,
    keep_alive_timeout: KeepAliveOption = 5.0,
    auth_token: AuthTokenOption = None,
    auth_tokens_file: AuthTokensFileOption = None,
    auth_from_registry: AuthFromRegistryOption = False,
    allowed_hosts: AllowedHostsOption = None,
    ssl_certfile: SslCertfileOption = None,
    ssl_keyfile: SslKeyfileOption = None,
    reload: Annotated[
        bool,
        typer.Option(
            "--reload",
            help="A project folder: build and serve it again whenever its sources change. The "
            "last good version keeps serving while a build or its tests fail; the log says why.",
        ),
    ] = False,
) -> None:
    """Serve a model or a pipeline over HTTP (native, KServe V1 and Open Inference V2 routes),
    and with --grpc-port over gRPC too (Open Inference V2).

    Several TARGETs are served behind one address, each model in a worker process running its
    own environment, and requests routed by the model name in their path (gRPC calls by
    their model_name); with --max-models or --max-models-memory the least recently used
    model's worker stops for another, and loads again on its next request.

    With --reload (a development loop), the command stays running: it watches the project
    folder, and on each change builds it again in the same environment (its unit tests run, as
    in `modelport build`), registers the new version and restarts the server on it, on the same
    port. A build that fails leaves the last good version serving. Ctrl-C stops both.
    """
    from modelport.serving.sizes import parse_size
    from modelport.serving.sockets import listen

    STATE.use_registry(registry)
    memory_bound = (
        parse_size(max_worker_memory, field="--max-worker-memory") if max_worker_memory else None
    )
    level_number(log_level)  # a clear error naming the option before anything is resolved
    chosen_format = check_format(log_format)
    if reload:
        from modelport.cli.reload import check_reload_target

        check_reload_target(targets or [], deepaas=deepaas)
    guard = ServeGuard(
        max_connections=max_connections,
        max_in_flight=max_in_flight,
        header_timeout=header_timeout,
        body_timeout=body_timeout,
        keep_alive_timeout=keep_alive_timeout,
        auth_token=auth_token,
        auth_tokens_file=auth_tokens_file,
        auth_from_registry=auth_from_registry,
        allowed_hosts=tuple(allowed_hosts or ()),
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
    )
    limits, exposure = guard.serve_options()  # bad values refused before anything is built
    model_server = [  # the options of each model's server
        *("--threads", str(threads)),
        *("--max-body-size", str(max_body_size), "--max-rows", str(max_rows)),
        *(("--max-decoded-size", max_decoded_size) if max_decoded_size else ()),
        *("--log-level", log_level),
        *("--log-format", log_format),
        *("--timeout", repr(timeout), "--graceful-timeout", repr(graceful_timeout)),
        *(("--max-worker-memory", max_worker_memory) if max_worker_memory else ()),
        *(("--max-batch-size", str(max_batch_size)) if max_batch_size is not None else ()),
        *(("--max-latency-ms", repr(max_latency_ms)) if max_latency_ms else ()),
    ]
    several = len(targets or []) > 1 and not deepaas
    if workers is not None:
        model_server += ["--workers", str(workers)]
    elif several:  # several models: one process each unless asked
        model_server += ["--workers", "1"]
    if several:
        from modelport.cli.serve_many import check_many

        pooled = (workers or 1) > 1 or max_worker_memory is not None
        check_many(name=name, reload=reload, grpc_port=grpc_port, pooled=pooled)
    models_memory = (
        parse_size(max_models_memory, field="--max-models-memory") if max_models_memory else None
    )
    for wanted in (port, grpc_port):  # a port in use is refused before anything is built
        if wanted is not None:
            listen(host, wanted).close()
    single = targets[0] if targets and len(targets) == 1 else None
    # a registered model, found at once (a model's name wins over a pipeline's, as is_pipeline says)
    quick = single is not None and not (deepaas or reload)
    registered = registered_quickly(single, name) if single is not None and quick else None
    if deepaas or several or (single is not None and registered is None and _is_pipeline(single)):
        from modelport.serving.launch import ServeOptions, configure_logging  # served here

        options = ServeOptions(
            host=host,
            port=port,
            threads=threads,
            timeout=timeout or None,
            workers=workers or 1,
            graceful_timeout=graceful_timeout,
            max_worker_memory=memory_bound,
            max_body_size=max_body_size,
            max_rows=max_rows,
            max_decoded_size=(
                parse_size(max_decoded_size, field="--max-decoded-size")
                if max_decoded_size
                else None
            ),
            debug=STATE.debug,
            log_level=log_level,
            log_format=chosen_format,
            grpc_port=grpc_port,
            max_batch_size=max_batch_size,
            max_latency_ms=max_latency_ms,
            limits=limits,
            exposure=exposure,
        )
        configure_logging(log_level, chosen_format)
        if several:
            from modelport.cli.serve_many import serve_many
            from modelport.serving.front.pool import PoolLimits

            assert targets is not None
            limits_of_pool = PoolLimits(max_models, models_memory, grace=graceful_timeout)
            serve_many(
                targets,
                env=env_mode(env),
                worker_options=model_server,
                options=options,
                limits=limits_of_pool,
            )
        elif deepaas:
            from modelport.cli.deepaas_serve import serve_deepaas

            passthrough = _passthrough_options()
            serve_deepaas(targets or [], options, no_reexec, register, passthrough)
        else:
            from modelport.cli.pipeline_cmd import serve_pipeline

            assert targets is not None
            serve_pipeline(targets[0], options, log_inferences=log_inferences)
        return
    if not targets:
        raise typer.BadParameter("give a TARGET")
    server = [
        *("--host", host, "--port", str(port)),
        *model_server,
        *(("--grpc-port", str(grpc_port)) if grpc_port is not None else ()),
        *guard.server_argv(),
    ]
    if reload:
        from modelport.cli.reload import Reloader

        Reloader(
            Path(targets[0]),
            env=env_mode(env),
            name=name,
            host=host,
            port=port,
            server=server,
            log_level=log_level,
            log_format=chosen_format,
        ).run()
        return
    resolved = registered or resolve_target(
        targets[0], env=env_mode(env), name=name, as_version=None
    )
    become(serving_command(resolved, server))


def _is_pipeline(target: str) -> bool:
    from modelport.cli.pipeline_cmd import is_pipeline

    return is_pipeline(target)


SERVING_OPTIONS = (
    "--host",
    "--port",
    "--timeout",
    "--workers",
    "--graceful-timeout",
    "--max-worker-memory",
    "--max-body-size",
    "--max-rows",
    "--max-decoded-size",
    "--threads",
    "--log-level",
    "--log-format",
    "--grpc-port",
    "--max-batch-size",
    "--max-latency-ms",
    "--max-connections",
    "--max-in-flight",
    "--header-timeout",
    "--body-timeout",
    "--keep-alive-timeout",
    "--auth-tokens-file",
    "--allowed-hosts",
    "--ssl-certfile",
    "--ssl-keyfile",
)


def _passthrough_options() -> list[str]:
    """The serving options of this command line, for the re-executed DEEPaaS server."""
    options = []
    args = sys.argv[1:]
    for index, arg in enumerate(args):
        key = arg.split("=", 1)[0]
        if key in SERVING_OPTIONS:
            options.append(arg)
            if "=" not in arg and index + 1 < len(args):
                options.append(args[index + 1])
    return options


def register(app: typer.Typer) -> None:
    command(app)(serve)
