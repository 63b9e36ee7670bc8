"""The measurement phase: every server in turn, cold start, route checks, the loads, memory."""

from __future__ import annotations

import statistics
import sys
from dataclasses import dataclass, replace
from pathlib import Path

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
    repeats: int  # passes of the key run (single row, c=8, key route)
    bodies: Path
    script: Path
    logs: Path
    expected: dict[int, list[int]]  # rows -> labels every server must answer
    concurrencies: tuple[int, ...] = (1, 8, 64)
    cold_limit: float = 180.0
    cold_starts: int = 3  # launches timed per server (the median is reported): ±25% noise here


def say(message: str) -> None:
    """Progress on stderr."""
    print(message, file=sys.stderr, flush=True)


def measure(plan: Plan, spec: ServerSpec) -> ServerResult:
    """Start ``spec``, time its first correct answer, check and load each route, then stop it."""
    result = ServerResult(spec.name, spec.label, spec.modelport, spec.notes)
    plan.logs.mkdir(parents=True, exist_ok=True)
    for _ in range(plan.cold_starts - 1):  # extra launches, for the cold start only
        with RunningServer(spec, plan.logs / f"{spec.name}.log") as probe:
            if not _time_first_answer(plan, probe, result.cold_starts, result):
                return result
    with RunningServer(spec, plan.logs / f"{spec.name}.log") as server:
        if not _time_first_answer(plan, server, result.cold_starts, result):
            return result
        result.cold_start_s = statistics.median(result.cold_starts)
        launches = ", ".join(f"{s:.2f}" for s in result.cold_starts)
        say(f"  {spec.name}: first answer after {result.cold_start_s:.2f} s ({launches})")
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
        serving = server.command_line() if spec.modelport else None
    if serving:
        _time_serving_process(plan, spec, serving, result)
    return result


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


def _time_serving_process(
    plan: Plan, spec: ServerSpec, command: tuple[str, ...], result: ServerResult
) -> None:
    """How long ``python -m modelport.serving`` alone takes to answer (the command `modelport
    serve` became): the part of the cold start that is not the command line's."""
    direct = replace(spec, name=f"{spec.name}-serving", command=command)
    for _ in range(plan.cold_starts):
        with RunningServer(direct, plan.logs / f"{direct.name}.log") as probe:
            if not _time_first_answer(plan, probe, result.serving_cold_starts):
                return
    result.serving_cold_start_s = statistics.median(result.serving_cold_starts)
    say(f"  {direct.name}: first answer after {result.serving_cold_start_s:.2f} s")


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
            key = route.key and rows == 1 and connections == 8
            passes = [
                run_wrk(
                    server,
                    route,
                    plan.bodies / _name(route, rows),
                    plan.script,
                    connections=connections,
                    seconds=plan.seconds,
                )
                for _ in range(plan.repeats if key else 1)
            ]
            loads.append(_median(rows, connections, passes))
            best = loads[-1]
            say(
                f"  {server.spec.name} {route.label} rows={rows} c={connections}: "
                f"{best.rps:,.0f} rps p50 {best.p50_ms:.2f} ms p99 {best.p99_ms:.2f} ms "
                f"errors {best.errors} cpu {best.server_cpu_pct:.0f}%/{best.wrk_cpu_pct:.0f}%"
                f"/other {best.other_cpu_pct:.0f}%"
            )
    return loads


def _median(rows: int, connections: int, passes: list[Pass]) -> Load:
    """The pass with the median requests/s (the upper middle one of an even count)."""
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
    )


def _name(route: Route, rows: int) -> str:
    return body_name(route.body, rows)


def _body(plan: Plan, route: Route, rows: int) -> bytes:
    return (plan.bodies / body_name(route.body, rows)).read_bytes()
