"""``python -m modelport.serving ROOT``: the serving process, with nothing but serving imported.

``modelport serve`` resolves what the user named (a registry reference, a project folder, an
artifact file), verifies and unpacks the artifact, then becomes this process (``os.execv``) with
the model's own interpreter. So the process that answers requests holds no command-line, registry
or build code: it starts sooner and takes less memory than the ``modelport`` command would.
``ROOT`` is the unpacked artifact (its manifest, ``modelport.yaml``, at the top).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from modelport.errors import ModelportError
from modelport.serving.arrow_memory import prefer_system_allocator
from modelport.serving.guard_flags import add_guard_flags
from modelport.serving.heap import pause_collection
from modelport.serving.logs import DEFAULT_LEVEL, FORMATS, LEVELS


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m modelport.serving",
        description="Serve one unpacked modelport artifact (`modelport serve` runs this).",
    )
    parser.add_argument("root", type=Path, help="folder of an unpacked artifact")
    parser.add_argument("--name", help="serve under this model name")
    parser.add_argument("--version", type=int, help="the registry version being served")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument(
        "--uds", help="listen on this Unix socket instead of --host and --port (a front's worker)"
    )
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds a prediction may take (0: no bound)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        help="processes answering requests (default: one per core for a CPU-bound model, else 1)",
    )
    parser.add_argument(
        "--graceful-timeout",
        type=float,
        default=20.0,
        help="seconds SIGTERM waits for in-flight requests",
    )
    parser.add_argument(
        "--max-worker-memory", help="recycle a worker whose resident memory passes this (2GiB)"
    )
    parser.add_argument("--max-body-size", type=int, default=100 * 1024**2)
    parser.add_argument("--max-rows", type=int, default=1_000_000)
    parser.add_argument(
        "--max-decoded-size",
        help="most bytes one request may decode to (2GiB; default: the lesser of 10 x "
        "--max-body-size and the memory limit / (4 x workers))",
    )
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--grpc-port", type=int, help="serve Open Inference V2 over gRPC too")
    parser.add_argument(
        "--grpc-uds",
        help="serve Open Inference V2 over gRPC on this Unix socket (a front's worker)",
    )
    parser.add_argument("--max-batch-size", type=int, help="rows per merged batch (1: off)")
    parser.add_argument("--max-latency-ms", type=float, default=0.0)
    parser.add_argument("--debug", action="store_true", help="tracebacks in errors")
    parser.add_argument("--log-level", choices=LEVELS, default=DEFAULT_LEVEL)
    parser.add_argument(
        "--log-format", choices=FORMATS, default="text", help="json: one JSON object per line"
    )
    parser.add_argument("--digest", help="the artifact's digest (for the model info metric)")
    parser.add_argument("--home", type=Path, help="the modelport home (default: the settings')")
    parser.add_argument("--registry", help="the registry URI (default: the settings')")
    add_guard_flags(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGTERM; 1 with the reason when the model cannot be loaded or initialised."""
    pause_collection()  # until the models are loaded and the heap frozen (serving/heap.py)
    args = parse(argv)
    prefer_system_allocator()  # before run() imports pyarrow
    try:
        run(args)
    except ModelportError as exc:
        first, *rest = str(exc).splitlines() or [""]
        _report(args, f"error: {first}", *rest)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # as the modelport command reports what it did not foresee
        _report(args, f"error: internal error: {type(exc).__name__}: {exc}")
        return 70
    return 0


def _report(args: argparse.Namespace, *lines: str) -> None:
    """Why serving stopped: on stderr, or as one JSON line under ``--log-format json``; with
    ``--debug``, the traceback too."""
    log = logging.getLogger("modelport.serving")
    if args.debug:
        log.exception("serving failed")
    if args.log_format == "json":
        log.error("%s", "\n".join(lines))
    else:
        print(*lines, sep="\n", file=sys.stderr)


def run(args: argparse.Namespace) -> None:
    from modelport.errors import ConfigError
    from modelport.serving.conventions import Services
    from modelport.serving.guard_flags import exposure_of, limits_of, take_token
    from modelport.serving.launch import Served, ServeOptions, configure_logging, serve
    from modelport.serving.loader import load_unpacked
    from modelport.serving.logs import redact_output
    from modelport.serving.quickstart import curl_line, example_request
    from modelport.serving.sizes import parse_size
    from modelport.serving.sockets import listen, listen_unix
    from modelport.serving.workers import default_workers

    if args.workers is not None and args.workers < 1:
        raise ConfigError("--workers must be 1 or more", field="--workers")
    memory = args.max_worker_memory
    max_worker_memory = parse_size(memory, field="--max-worker-memory") if memory else None
    decoded = args.max_decoded_size
    max_decoded_size = parse_size(decoded, field="--max-decoded-size") if decoded else None

    token = take_token()  # out of the environment before the model's code can read it
    # a port in use is refused before the model loads
    sock = listen_unix(args.uds) if args.uds else listen(args.host, args.port)
    with sock:  # closed however serving ends
        configure_logging(args.log_level, args.log_format)
        redact_output()  # what the model prints, from its import on
        servable = load_unpacked(args.root, name=args.name)
        options = ServeOptions(
            host=args.host,
            port=args.port,
            threads=args.threads,
            timeout=args.timeout or None,
            workers=args.workers if args.workers is not None else default_workers([servable]),
            graceful_timeout=args.graceful_timeout,
            max_worker_memory=max_worker_memory,
            max_body_size=args.max_body_size,
            max_rows=args.max_rows,
            max_decoded_size=max_decoded_size,
            debug=args.debug,
            log_level=args.log_level,
            log_format=args.log_format,
            grpc_port=args.grpc_port,
            grpc_uds=args.grpc_uds,
            max_batch_size=args.max_batch_size,
            max_latency_ms=args.max_latency_ms,
            limits=limits_of(args),
            exposure=exposure_of(args, token),
        )
        base = options.base_url
        banner = [
            f"Serving {servable.name} at {base} (Ctrl-C stops)",
            curl_line(base, example_request(servable)),
        ]
        if args.uds:  # a front's worker: the front says where it serves
            banner = []
        services = Services(home=args.home, registry_uri=args.registry)
        serve(
            [Served(servable, args.version, args.digest)],
            options,
            services,
            banner=banner,
            sock=sock,
        )


if __name__ == "__main__":
    sys.exit(main())
