"""The loads the issue's targets compare, taken in turns with every compared server up at once.

This machine's speed drifts by up to 2x within minutes (host contention that /proc/stat does not
show as steal time), so two servers loaded minutes apart can differ by more than the gap between
them. Here the servers a target compares all run at once (a server between its turns is idle),
and their loads take turns, round after round; the in-process floor is timed just before each
turn of the 1,000-row Arrow load. Each figure is the median of its rounds.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from contextlib import ExitStack
from dataclasses import dataclass

from load import Pass, run_wrk
from payloads import body_name
from results import ServerResult, TurnResult
from servers import RunningServer
from spec import Route, ServerSpec
from suite import Plan, median_load, say


@dataclass(frozen=True)
class Turn:
    """One load of the comparison: a server's route (None: its key route), rows, connections."""

    server: str
    route: str | None
    rows: int
    connections: int


TURNS = (
    Turn("modelport", "native JSON", 1, 8),
    Turn("mlserver", None, 1, 8),
    Turn("fastapi", None, 1, 8),
    Turn("modelport", "native JSON", 1, 64),
    Turn("mlserver", None, 1, 64),
    Turn("modelport", "native JSON", 1000, 8),
    Turn("modelport", "native Arrow", 1000, 8),
)
"""What the targets compare: single-row JSON against MLServer and FastAPI, p99 at c=64 against
MLServer, and 1,000-row Arrow against 1,000-row JSON and the floor."""


def take_turns(
    plan: Plan, specs: list[ServerSpec], found: dict[str, ServerResult], rounds: int
) -> list[TurnResult]:
    """Run :data:`TURNS` ``rounds`` times over, in rotation, on the servers measured without
    error; the median of each turn's rounds."""
    chosen = [(turn, spec, route) for turn in TURNS for spec, route in _target(turn, specs, found)]
    if not chosen:
        return []
    passes: dict[Turn, list[Pass]] = defaultdict(list)
    floors: dict[Turn, list[float]] = defaultdict(list)
    with ExitStack() as stack:
        running = {}
        for spec in {spec.name: spec for _, spec, _ in chosen}.values():
            server = stack.enter_context(RunningServer(spec, plan.logs / f"{spec.name}-turns.log"))
            try:
                server.wait_first_answer(
                    spec.routes[0],
                    (plan.bodies / body_name(spec.routes[0].body, 1)).read_bytes(),
                    plan.expected[1],
                    plan.cold_limit,
                )
            except RuntimeError as error:
                say(f"  turns: {spec.name} left out: {error}")
                continue
            running[spec.name] = server
        chosen = [(turn, spec, route) for turn, spec, route in chosen if spec.name in running]
        for _ in range(rounds):
            for turn, spec, route in chosen:
                if turn.route == "native Arrow":
                    floors[turn].append(plan.floor(turn.rows))
                try:
                    done = run_wrk(
                        running[spec.name],
                        route,
                        plan.bodies / body_name(route.body, turn.rows),
                        plan.script,
                        connections=turn.connections,
                        seconds=plan.seconds,
                    )
                except RuntimeError as error:
                    say(f"  turns: {spec.name} {route.label} round lost: {error}")
                    continue
                passes[turn].append(done)
        chosen = [(turn, spec, route) for turn, spec, route in chosen if passes[turn]]
    results = [
        TurnResult(
            turn.server,
            route.label,
            median_load(
                turn.rows,
                turn.connections,
                passes[turn],
                statistics.median(floors[turn]) if floors[turn] else None,
            ),
        )
        for turn, _, route in chosen
    ]
    for result in results:
        rates = ", ".join(f"{rps:,.0f}" for rps in result.load.passes)
        say(
            f"  turns: {result.server} {result.route} rows={result.load.rows} "
            f"c={result.load.concurrency}: {result.load.rps:,.0f} rps ({rates}) "
            f"p99 {result.load.p99_ms:.2f} ms"
        )
    return results


def _target(
    turn: Turn, specs: list[ServerSpec], found: dict[str, ServerResult]
) -> list[tuple[ServerSpec, Route]]:
    """The spec and route a turn loads, when that server was selected and its route works."""
    result = found.get(turn.server)
    spec = next((s for s in specs if s.name == turn.server), None)
    if spec is None or result is None or result.error:
        return []
    working = result.route(turn.route) if turn.route else result.key()
    if working is None:
        return []
    route = next(r for r in spec.routes if r.label == working.label)
    return [(spec, route)]
