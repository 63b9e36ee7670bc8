"""``modelport serve ./project --reload``: a development loop.

The command stays running as a supervisor. It builds the project folder (as ``modelport
build``: the environment, keyed by the lock, is reused while the dependencies stay the same;
the unit tests run, and the integration tests where the convention runs them at build time),
registers it and starts the serving process (``python -m modelport.serving``) as its child.
Then it watches the folder with watchfiles. When a burst of changes has settled and the
build's inputs differ from what the last build started from (``builder/changes.py``: its
sources, tests and dependency file, by content; not caches, bytecode, logs or what a build
writes beside them), it builds again. Only a build that passes replaces the server: the old one
is stopped (SIGTERM, so it drains) and the new version starts on the same port, one log line
naming it. A build that fails leaves the last good version serving and logs why (the build's
error, a line per failing test); a new version that cannot start is logged too, and the last
good one started again.

Ctrl-C, SIGTERM and SIGHUP stop the server (it runs in a session of its own, so only this
process signals it) and then the command; SIGTERM exits 0, as the server itself does. On Linux
the server also gets SIGTERM when the command dies without a chance to stop it (SIGKILL).
"""

from __future__ import annotations

import ctypes
import logging
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import httpx
from rich.console import Console

from modelport.builder.changes import ProjectFiles, Snapshot, changed
from modelport.builder.progress import Progress
from modelport.cli.context import STATE
from modelport.cli.progress import RichProgress
from modelport.cli.targets import ServeTarget, build_folder, is_path, serving_command
from modelport.errors import ConfigError, ModelportError, NotFound
from modelport.serving.logs import LogFormat, configure_logging

if TYPE_CHECKING:
    from modelport.builder.build_options import EnvMode

log = logging.getLogger("modelport.reload")

DEBOUNCE_MS = 1_600
"""The longest a burst of changes is gathered for before a build starts."""
QUIET_MS = 300
"""A burst of changes has settled when this long passes without another."""
TICK_MS = 1_000
"""How often the server is checked on while nothing changes."""
QUIET_LIBRARIES = ("alembic", "httpx", "httpcore", "watchfiles")
"""Libraries whose information records are not this log's business (shown under debug)."""
READY_PATH = "/v2/health/ready"
READY_SECONDS = 600.0
STOP_SECONDS = 30.0
POLL_SECONDS = 0.1


def check_reload_target(targets: Sequence[str], *, deepaas: bool) -> None:
    """Refuse what ``--reload`` cannot watch: a registry reference, an artifact file, DEEPaaS
    models; before anything is built or bound."""
    if deepaas:
        raise ConfigError(
            "--reload watches a project folder; it does not apply to --deepaas",
            hint="serve the DEEPaaS package's folder as a path with --reload, or drop --reload",
            field="--reload",
        )
    if len(targets) != 1:
        return  # the usage error `serve` gives for every other case
    target = targets[0]
    if not is_path(target):
        local = Path(target).is_dir()
        raise ConfigError(
            f"--reload rebuilds a project folder, and {target!r} is a registry reference "
            "(a registered version, which no edit changes)",
            hint=f"to watch the folder ./{target}, write ./{target}"
            if local
            else "name the project folder as a path (./iris), or drop --reload",
            field="--reload",
        )
    path = Path(target)
    if path.is_file():
        raise ConfigError(
            f"--reload rebuilds a project folder, and {target} is a file",
            hint="point --reload at the folder the model is built from",
            field="--reload",
        )
    if not path.is_dir():
        raise NotFound(f"{target} does not exist (in {Path.cwd()})", field="TARGET")


class _Stopped(BaseException):
    """SIGTERM or SIGHUP arrived: stop the server, then the command (a BaseException, so no
    ``except Exception`` on the way takes it for an error)."""


@dataclass
class _Server:
    """A serving process started here, and the version it serves."""

    label: str
    """``name:version``, as the log names it."""
    target: ServeTarget
    command: list[str]
    process: subprocess.Popen[bytes]


class _LogProgress:
    """A rebuild's steps as log lines (the server's log shares the terminal: no live display)."""

    def step(self, title: str) -> None:
        log.info("build: %s", title)

    def info(self, line: str) -> None:
        log.debug("build: %s", line)


class Reloader:
    """Builds, serves, watches and rebuilds one project folder (see the module docstring)."""

    def __init__(
        self,
        project: Path,
        *,
        env: EnvMode,
        name: str | None,
        host: str,
        port: int,
        server: Sequence[str],
        log_level: str,
        log_format: LogFormat,
    ) -> None:
        self.project = project
        self.env: EnvMode = env
        self.name = name
        self.url = _url(host, port)
        self.server_options = list(server)
        self.log_level = log_level
        self.log_format: LogFormat = log_format
        self.files = ProjectFiles(project, ignore_paths=[STATE.settings.home])
        self.baseline: Snapshot = {}
        self.server: _Server | None = None
        self.signalled: int | None = None

    def run(self) -> None:
        """Serve and rebuild until Ctrl-C (KeyboardInterrupt, once the server has stopped),
        SIGTERM or SIGHUP (a normal return)."""
        from watchfiles import watch

        configure_logging(self.log_level, self.log_format)
        if not log.isEnabledFor(logging.DEBUG):  # the registry's migrations, the ready probes
            for library in QUIET_LIBRARIES:
                logging.getLogger(library).setLevel(logging.WARNING)
        stops = (signal.SIGTERM, signal.SIGHUP)
        previous = {number: signal.signal(number, self._on_signal) for number in stops}
        try:
            self._build(first=True)
            log.info("watching %s for changes (Ctrl-C stops)", self.files.root)
            pending = True  # edits made during the first build
            for changes in watch(
                self.files.root,
                watch_filter=lambda _change, path: not self.files.ignores(path),
                debounce=DEBOUNCE_MS,
                step=QUIET_MS,
                rust_timeout=TICK_MS,
                yield_on_timeout=True,
            ):
                self._check_server()
                if changes or pending:
                    pending = False
                    change = changed(self.baseline, self.files.snapshot())
                    if change:
                        log.info("%s changed: building again", change.describe())
                        self._build()
        except (_Stopped, KeyboardInterrupt):
            if self.signalled is None:  # Ctrl-C: the command says "interrupted", exit 130
                raise
            # SIGTERM or SIGHUP (watchfiles reports any signal as a KeyboardInterrupt)
        finally:
            for number in (signal.SIGINT, *stops):  # a second signal cannot cut the stop short
                signal.signal(number, signal.SIG_IGN)
            try:
                self._stop_server()
            finally:
                signal.signal(signal.SIGINT, signal.default_int_handler)
                for number, handler in previous.items():
                    signal.signal(number, handler)

    def _on_signal(self, number: int, frame: FrameType | None) -> None:
        self.signalled = number
        raise _Stopped(signal.Signals(number).name)

    def _build(self, *, first: bool = False) -> None:
        """Build the project (the first build shown live, as `serve` shows it, later ones as
        log lines); serve the new version if it passed and is not the one serving."""
        self.baseline = self.files.snapshot()  # an edit made while it builds brings another
        try:
            if first:
                with RichProgress(Console(stderr=True)) as progress:
                    target = self._build_folder(progress)
            else:
                target = self._build_folder(_LogProgress())
            command = serving_command(target, self.server_options)
        except ModelportError as exc:
            self._report_failure(exc)
            return
        self._serve(target, command)

    def _build_folder(self, progress: Progress) -> ServeTarget:
        return build_folder(self.project, env=self.env, name=self.name, progress=progress)

    def _report_failure(self, exc: ModelportError) -> None:
        first, *rest = exc.message.splitlines() or [""]
        keeping = f"still serving {self.server.label}" if self.server else "nothing is serving"
        log.error("build failed (%s): %s", keeping, first)
        for line in rest:
            log.error("  %s", line.strip())
        if STATE.debug and exc.details:
            log.error("%s", exc.details.rstrip())

    def _serve(self, target: ServeTarget, command: list[str]) -> None:
        label = f"{target.name}:{target.version}"
        old = self.server
        if old is not None and old.target == target:
            log.info("no change to the model: %s serves these sources already", label)
            return
        if old is not None:
            self._stop_server()
        if self._start(label, target, command):
            if old is not None:
                log.info("reloaded: serving %s at %s (was %s)", label, self.url, old.label)
        elif old is not None:
            log.warning("serving %s again", old.label)
            if self._start(old.label, old.target, old.command):
                log.info("serving %s at %s", old.label, self.url)

    def _start(self, label: str, target: ServeTarget, command: list[str]) -> bool:
        """Start a server for ``target`` and wait until it is ready; False (the reason logged)
        when it exits or hangs first. Its output goes where this command's goes."""
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_dies_with_parent(),  # one C call looked up beforehand, then exec
        )
        self.server = _Server(label, target, command, process)
        deadline = time.monotonic() + READY_SECONDS
        while not _ready(self.url):
            code = process.poll()
            if code is not None or time.monotonic() > deadline:
                self._stop_server()
                why = f"exited with code {code}" if code is not None else "was not ready in time"
                log.error("%s could not be served: its server %s (its output is above)", label, why)
                return False
            time.sleep(POLL_SECONDS)
        return True

    def _check_server(self) -> None:
        """Say so when the server has stopped by itself; the next build that passes starts one."""
        if self.server is not None and self.server.process.poll() is not None:
            code = self.server.process.returncode
            log.error(
                "the server of %s stopped (exit code %s); the next build that passes starts one",
                self.server.label,
                code,
            )
            self.server = None

    def _stop_server(self) -> None:
        """SIGTERM (the server drains, then exits); SIGKILL if it does not stop in time."""
        server, self.server = self.server, None
        if server is None or server.process.poll() is not None:
            return
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


PR_SET_PDEATHSIG = 1


def _dies_with_parent() -> Callable[[], None] | None:
    """On Linux, what makes a server get SIGTERM when this command dies however it dies (even
    by SIGKILL, which no handler sees), so no server outlives it holding the port; elsewhere
    None. Run in the child between fork and exec, it only calls a function looked up here."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl

    def set_death_signal() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)

    return set_death_signal


def _url(host: str, port: int) -> str:
    """Where this machine reaches a server listening on ``host`` (a wildcard address is
    reached on the loopback)."""
    reach = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://[{reach}]:{port}" if ":" in reach else f"http://{reach}:{port}"


def _ready(url: str) -> bool:
    try:
        return httpx.get(url + READY_PATH, timeout=5.0).status_code == 200
    except httpx.TransportError:
        return False
