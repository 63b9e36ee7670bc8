"""The raw results of a run, as plain dataclasses written to and read from results.json."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Load:
    """One scenario on one route: the median pass of ``passes`` (by requests/s)."""

    rows: int
    concurrency: int
    rps: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    little: float  # mean latency x rps / connections; about 1 when wrk's latency is consistent
    errors: int
    server_cpu_pct: float
    wrk_cpu_pct: float
    other_cpu_pct: float  # CPU the rest of the machine used meanwhile (shared machine)
    passes: list[float] = field(default_factory=list)  # requests/s of every pass
    # multi-row loads: in-process predict seconds on the same rows, timed just before the load
    # (this machine's speed drifts by up to 2x over minutes, so the floor is taken alongside)
    floor_s: float | None = None
    # compared loads: the floor timed just before each pass, in the order of passes
    floors: list[float] = field(default_factory=list)
    error_kinds: dict[str, int] = field(default_factory=dict)  # of the median pass (wrk's kinds)
    server_wait_pct: float | None = None  # its server's threads' run-queue wait, % of the run


@dataclass
class RouteResult:
    """A route of a server: available or why not, and its loads."""

    label: str
    path: str
    available: bool
    reason: str = ""
    loads: list[Load] = field(default_factory=list)

    def load(self, rows: int, concurrency: int) -> Load | None:
        return next(
            (x for x in self.loads if x.rows == rows and x.concurrency == concurrency), None
        )


@dataclass
class ServerResult:
    """A server: cold start, memory after the loads, its routes, or the error that stopped it."""

    name: str
    label: str
    modelport: bool
    notes: str = ""
    cold_start_s: float | None = None  # median of cold_starts
    cold_starts: list[float] = field(default_factory=list)  # seconds, one per launch
    # modelport only: the serving process's own cold start, launched directly (median, launches)
    serving_cold_start_s: float | None = None
    serving_cold_starts: list[float] = field(default_factory=list)
    serving_command: list[str] = field(default_factory=list)  # the command `serve` became
    # `import joblib, sklearn.svm` in the server's interpreter, after each launch (median, all)
    framework_import_s: float | None = None
    framework_imports: list[float] = field(default_factory=list)
    rss_mib: float | None = None
    error: str = ""
    routes: list[RouteResult] = field(default_factory=list)

    def route(self, label: str) -> RouteResult | None:
        return next((r for r in self.routes if r.label == label and r.available), None)

    def key(self) -> RouteResult | None:
        """The first available route (the key route when it is available)."""
        return next((r for r in self.routes if r.available), None)


@dataclass
class TurnResult:
    """A load the targets compare, taken in turns with the other servers' (see turns.py)."""

    server: str
    route: str
    load: Load
    profile: dict[str, Any] | None = None  # profiling.Profile as a dict, or {"error": ...}


@dataclass
class Floor:
    """Median in-process ``predict`` seconds on 1 row and on 1,000 rows."""

    seconds_1: float
    seconds_1000: float


@dataclass
class Results:
    """Everything a run measured, plus how and where it measured it."""

    meta: dict[str, Any]
    floor: Floor
    servers: list[ServerResult]
    turns: list[TurnResult] = field(default_factory=list)
    # the default pool's processes after the turns: servers.worker_memory
    pool_memory: dict[str, Any] = field(default_factory=dict)

    def server(self, name: str) -> ServerResult | None:
        return next((s for s in self.servers if s.name == name and not s.error), None)


def save(results: Results, path: Path) -> None:
    """Write ``results`` as indented JSON."""
    path.write_text(json.dumps(asdict(results), indent=2) + "\n")


def load(path: Path) -> Results:
    """Read results written by :func:`save`."""
    raw = json.loads(path.read_text())
    servers = []
    for server in raw["servers"]:
        routes = [
            RouteResult(**{**r, "loads": [Load(**x) for x in r["loads"]]}) for r in server["routes"]
        ]
        servers.append(ServerResult(**{**server, "routes": routes}))
    turns = [
        TurnResult(t["server"], t["route"], Load(**t["load"]), t.get("profile"))
        for t in raw.get("turns", [])
    ]
    return Results(raw["meta"], Floor(**raw["floor"]), servers, turns, raw.get("pool_memory", {}))
