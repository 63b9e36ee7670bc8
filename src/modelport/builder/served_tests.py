"""A project's integration tests against a model served for real: ``modelport test`` (a
registered version) and the build itself (the new artifact, before it is registered)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from modelport.builder.testrun import TestReport, run_tests


def run_served_tests(
    python: Path,
    project: Path,
    folder: str,
    *,
    target: str,
    model: str,
    log_dir: Path,
    cli_options: Sequence[str] = (),
    extra_args: tuple[str, ...] = (),
    plugins: tuple[str, ...] = (),
    ready_timeout: float = 600.0,
) -> TestReport:
    """Serve ``target`` (``modelport serve TARGET``) and run ``pytest folder`` with the
    ``real_time_client`` fixture bound to it; the server is stopped afterwards."""
    from modelport.testing.plugin import ENV_MODEL, ENV_URL
    from modelport.testing.server import start_server

    server = start_server(
        target, model=model, cli_options=cli_options, log_dir=log_dir, ready_timeout=ready_timeout
    )
    try:
        return run_tests(
            python,
            project,
            folder,
            extra_args=extra_args,
            env={ENV_URL: server.url, ENV_MODEL: model},
            plugins=plugins,
        )
    finally:
        server.stop()
