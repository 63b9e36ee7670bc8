"""The measurement phase: cold starts (servers launched in rotation), then every server in turn:
route checks, the loads, memory."""

from __future__ import annotations

import statistics
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from floor import framework_import_seconds
from load import Pass, run_wrk
from payloads import body_name
from results import Load, RouteResult, ServerResult
from servers import RunningServer, check_answer
from spec import Route, ServerSpec

NOT_THERE = ("HTTP 404", "HTTP 405", "HTTP 415")


@dataclass(frozen=True)
class Plan:
    """How long and how often to load, and where the prepared files are."""

    seconds: float
    rounds: int  # rounds of the compared loads (turns.py) and of cold starts
    bodies: Path
    script: Path
    logs: Path
    expected: dict[int, list[int]]  # rows -> labels every server must answer
    floor: Callable[[int], float]  # rows -> in-process predict seconds, timed now
    concurrencies: tuple[int, ...] = (1, 8, 64)
    cold_limit: float = 180.0


def say(message: str) -> None:
    """Progress on stderr."""
    print(message, file=sys.stderr, flush=True)


def time_cold_starts(plan: Plan, specs: list[ServerSpec], found: dict[str, ServerResult]) -> None:
    """Launch every server in rotation, ``plan.rounds`` rounds, timing each launch's first
    correct answer, then its interpreter's ``import joblib, sklearn.svm`` (and, after each
    modelport launch, the serving process it became launched directly): this machine's speed
    drifts within minutes, so what is compared is taken side by side. A server that never
    answers is marked failed and left out."""
    plan.logs.mkdir(parents=True, exist_ok=True)
    specs = [spec for spec in specs if not spec.compared_only]
    for _ in range(plan.rounds):
        for spec in specs:
            result = found[spec.name]
            if result.error:
                continue
            with RunningServer(spec, plan.logs / f"{spec.name}.log") as server:
                if not _time_first_answer(plan, server, result.cold_starts, result):
                    continue
                serving = server.command_line() if spec.modelport else None
            _time_framework_import(spec, serving, result)
            if serving:
                result.serving_command = list(serving)
                direct = replace(spec, name=f"{spec.name}-serving", command=serving)
                with RunningServer(direct, plan.logs / f"{direct.name}.log") as probe:
                    _time_first_answer(plan, probe, result.serving_cold_starts)
    for spec in specs:
        result = found[spec.name]
        if result.error:
            continue
        result.cold_start_s = statistics.median(result.cold_starts)
        launches = ", ".join(f"{s:.2f}" for s in result.cold_starts)
        say(f"  {spec.name}: first answer after {result.cold_start_s:.2f} s ({launches})")
        if result.framework_imports:
            result.framework_import_s = statistics.median(result.framework_imports)
        if result.serving_cold_starts:
            result.serving_cold_start_s = statistics.median(result.serving_cold_starts)
            say(f"  {spec.name}-serving: first answer after {result.serving_cold_start_s:.2f} s")


def _time_framework_import(
    spec: ServerSpec, serving: tuple[str, ...] | None, result: ServerResult
) -> None:
    """Time ``import joblib, sklearn.svm`` in the interpreter the server's model ran in: the
    serving process's for modelport, the peer venv's python otherwise."""
    if spec.modelport and not serving:
        return  # the serving process was gone before its command line could be read
    python = Path(serving[0]) if serving else Path(spec.command[0]).parent / "python"
    try:
        result.framework_imports.append(framework_import_seconds(python))
    except (OSError, subprocess.CalledProcessError, ValueError) as error:
        say(f"  {spec.name}: framework import not timed ({error})")


def measure(plan: Plan, spec: ServerSpec, result: ServerResult) -> None:
    """Start ``spec``, check and load each route, read its memory, then stop it."""
    with RunningServer(spec, plan.logs / f"{spec.name}.log") as server:
        if not _time_first_answer(plan, server, [], result):
            return
        for route in spec.routes:
            result.routes.append(_check(plan, server, route))
        available = [r for r in spec.routes if _is_available(result, r)]
        if available:
            warm = available[0]
            run_wrk(
                server, warm, plan.bodies / _name(warm, 1), plan.script, connections=8, seconds=1
            )
        for route, route_result in zip(spec.routes, result.routes, strict=True):
            if route_result.available:
                route_result.loads = _load_route(plan, server, route)
        result.rss_mib = server.rss_mib()


def _time_first_answer(
    plan: Plan, server: RunningServer, timings: list[float], failed: ServerResult | None = None
) -> bool:
    """Append the seconds ``server`` took to answer its first route correctly to ``timings``;
    False (said, and recorded in ``failed`` when given) when it never did."""
    first = server.spec.routes[0]
    try:
        timings.append(
            server.wait_first_answer(
                first, _body(plan, first, 1), plan.expected[1], plan.cold_limit
            )
        )
    except RuntimeError as error:
        if failed is not None:
            failed.error = str(error)
        say(f"  {server.spec.name}: {error}")
        return False
    return True


def _check(plan: Plan, server: RunningServer, route: Route) -> RouteResult:
    """Is ``route`` there, and does it answer both bodies with the right species?"""
    for rows, expected in plan.expected.items():
        reason = check_answer(server.spec.port, route, _body(plan, route, rows), expected)
        if reason:
            if reason.startswith(NOT_THERE):
                reason = f"not available ({reason.split(':')[0]})"
            say(f"  {server.spec.name} {route.label}: {reason}")
            return RouteResult(route.label, route.path, False, f"{rows} row(s): {reason}")
    return RouteResult(route.label, route.path, True)


def _is_available(result: ServerResult, route: Route) -> bool:
    return any(r.label == route.label and r.available for r in result.routes)


def _load_route(plan: Plan, server: RunningServer, route: Route) -> list[Load]:
    loads = []
    for rows in plan.expected:
        for connections in plan.concurrencies:
            floor_s = plan.floor(rows) if rows > 1 else None
            done = run_wrk(
                server,
                route,
                plan.bodies / _name(route, rows),
                plan.script,
                connections=connections,
                seconds=plan.seconds,
            )
            loads.append(median_load(rows, connections, [done], floor_s))
            best = loads[-1]
            say(
                f"  {server.spec.name} {route.label} rows={rows} c={connections}: "
                f"{best.rps:,.0f} rps p50 {best.p50_ms:.2f} ms p99 {best.p99_ms:.2f} ms "
                f"errors {best.errors} cpu {best.server_cpu_pct:.0f}%/{best.wrk_cpu_pct:.0f}%"
                f"/other {best.other_cpu_pct:.0f}%"
            )
    return loads


def median_load(
    rows: int,
    connections: int,
    passes: list[Pass],
    floor_s: float | None,
    floors: list[float] | None = None,
) -> Load:
    """The pass with the median requests/s (the upper middle one of an even count); ``floors``:
    the floor timed just before each pass, when it was."""
    ordered = sorted(passes, key=lambda p: p.rps)
    middle = ordered[len(ordered) // 2]
    assert middle.rps == statistics.median_high([p.rps for p in passes])
    return Load(
        rows=rows,
        concurrency=connections,
        rps=middle.rps,
        p50_ms=middle.p50_ms,
        p99_ms=middle.p99_ms,
        mean_ms=middle.mean_ms,
        little=middle.little(connections),
        errors=middle.errors,
        server_cpu_pct=middle.server_cpu_pct,
        wrk_cpu_pct=middle.wrk_cpu_pct,
        other_cpu_pct=middle.other_cpu_pct,
        passes=[p.rps for p in passes],
        floor_s=floor_s,
        floors=list(floors or []),
        error_kinds=middle.error_kinds,
        server_wait_pct=middle.server_wait_pct,
    )


def _name(route: Route, rows: int) -> str:
    return body_name(route.body, rows)


def _body(plan: Plan, route: Route, rows: int) -> bytes:
    return (plan.bodies / body_name(route.body, rows)).read_bytes()
