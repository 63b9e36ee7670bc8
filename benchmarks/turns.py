"""The loads the issue's targets compare, taken in turns with every compared server up at once.

This machine's speed drifts by up to 2x within minutes (host contention that /proc/stat does not
show as steal time), so two servers loaded minutes apart can differ by more than the gap between
them. Here the servers a target compares all run at once and their loads take turns, round
after round. A server is paused (SIGSTOP) outside its own turns, so an idle one's polling takes
no CPU from the one loaded (LitServe's workers poll their queues). The in-process floor is timed
just before each turn of the 1,000-row Arrow load. Each figure is the median of its rounds.
"""

from __future__ import annotations

import statistics
import subprocess
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import profiling
from load import Pass, run_grpc, run_wrk
from payloads import AnswerKind, BodyKind, body_name
from results import ServerResult, TurnResult
from servers import RunningServer, worker_memory
from spec import Route, ServerSpec
from suite import Plan, median_load, say


@dataclass(frozen=True)
class Turn:
    """One load of the comparison: a server's route (None: its key route), rows, connections."""

    server: str
    route: str | None
    rows: int
    connections: int


GRPC = "V2 gRPC"
"""The route label of a turn loading a server's Open Inference V2 gRPC endpoint."""

TURNS = (
    Turn("modelport", "native JSON", 1, 8),
    Turn("modelport-iris", None, 1, 8),
    Turn("fastapi-async", None, 1, 8),
    Turn("mlserver", None, 1, 8),
    Turn("mlserver-batch", None, 1, 8),
    Turn("litserve-batch", None, 1, 8),
    Turn("modelport", "native JSON", 1, 64),
    Turn("modelport-1w", None, 1, 64),
    Turn("modelport-iris", None, 1, 64),
    Turn("fastapi-async", None, 1, 64),
    Turn("mlserver", None, 1, 64),
    Turn("mlserver-batch", None, 1, 64),
    Turn("litserve-batch", None, 1, 64),
    Turn("modelport", "native Arrow", 1000, 8),
    Turn("modelport", GRPC, 1, 8),
    Turn("mlserver", GRPC, 1, 8),
)
"""What the targets compare: single-row JSON against the bare FastAPI ``async def`` app and
MLServer (req/s, and p99 at c=64) for the SVC and the DataFrame model; the default pool against
``--workers 1``; batching against batching (MLServer's adaptive batching, LitServe's); 1,000-row
Arrow against the in-process floor; and gRPC against MLServer's."""


PROFILED = (
    Turn("modelport", "native JSON", 1, 64),
    Turn("modelport-iris", None, 1, 64),
    Turn("modelport", "native Arrow", 1000, 8),
)
"""The subject's loads profiled (one more round each, py-spy sampling the server meanwhile):
the report shows a profile beside each target they miss."""
POOL = "modelport"
"""The server whose worker processes' memory is read after the turns."""


@dataclass
class Compared:
    """What the turns found: the median of each turn, profiles, and the pool's memory."""

    turns: list[TurnResult] = field(default_factory=list)
    pool_memory: dict[str, Any] = field(default_factory=dict)


def take_turns(
    plan: Plan,
    specs: list[ServerSpec],
    found: dict[str, ServerResult],
    rounds: int,
    py_spy: Path | None = None,
) -> Compared:
    """Run :data:`TURNS` ``rounds`` times over, in rotation, on the servers measured without
    error; the median of each turn's rounds. Then, with the servers still up, profile
    :data:`PROFILED` with ``py_spy`` (when given) and read the pool's memory."""
    chosen = [(turn, spec, route) for turn in TURNS for spec, route in _target(turn, specs, found)]
    if not chosen:
        return Compared()
    profiles: dict[Turn, dict[str, Any]] = {}
    pool_memory: dict[str, Any] = {}
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
            server.pause()  # resumed for its own turns only
        chosen = [(turn, spec, route) for turn, spec, route in chosen if spec.name in running]
        for _ in range(rounds):
            for turn, spec, route in chosen:
                floor = plan.floor(turn.rows) if turn.route == "native Arrow" else None
                try:
                    with _resumed(running[spec.name]):
                        done = _load(plan, turn, running[spec.name], route)
                except RuntimeError as error:
                    say(f"  turns: {spec.name} {route.label} round lost: {error}")
                    continue
                passes[turn].append(done)
                if floor is not None:  # paired with its pass: a lost round loses both
                    floors[turn].append(floor)
        chosen = [(turn, spec, route) for turn, spec, route in chosen if passes[turn]]
        if py_spy is not None:
            for turn, spec, route in chosen:
                if turn in PROFILED:
                    with _resumed(running[spec.name]):
                        profiles[turn] = _profile(plan, turn, running[spec.name], route, py_spy)
        if POOL in running:
            with _resumed(running[POOL]):
                pool_memory = worker_memory(running[POOL])
    results = [
        TurnResult(
            turn.server,
            route.label,
            median_load(
                turn.rows,
                turn.connections,
                passes[turn],
                statistics.median(floors[turn]) if floors[turn] else None,
                floors[turn],
            ),
            profiles.get(turn),
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
    return Compared(results, pool_memory)


@contextmanager
def _resumed(server: RunningServer) -> Iterator[None]:
    """``server`` running for what the block does, paused again after."""
    server.resume()
    try:
        yield
    finally:
        server.pause()


def _profile(
    plan: Plan, turn: Turn, server: RunningServer, route: Route, py_spy: Path
) -> dict[str, Any]:
    """One more round of ``turn`` with py-spy sampling the server; the profile's summary as a
    plain dict (or the error, when py-spy or the load failed)."""
    output = plan.logs / f"profile-{turn.server}-{turn.rows}-{turn.connections}.txt"
    output.unlink(missing_ok=True)
    recording = profiling.start(py_spy, server.process.pid, plan.seconds, output)
    try:
        _load(plan, turn, server, route)
        profile = profiling.finish(recording, output)
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        recording.kill()
        recording.wait()
        say(f"  turns: {turn.server} {route.label} not profiled: {error}")
        return {"error": str(error)}
    shares = ", ".join(f"{name} {share:.0%}" for name, share in profile.by_library[:5])
    say(f"  profile: {turn.server} {route.label} rows={turn.rows} c={turn.connections}: {shares}")
    return asdict(profile)


def _load(plan: Plan, turn: Turn, server: RunningServer, route: Route) -> Pass:
    """One round of ``turn``: wrk on an HTTP route, h2load on the gRPC endpoint."""
    if turn.route == GRPC:
        assert server.spec.grpc is not None, "only servers with a gRPC endpoint get gRPC turns"
        port, layout = server.spec.grpc
        return run_grpc(
            server, port, layout, plan.logs, connections=turn.connections, seconds=plan.seconds
        )
    return run_wrk(
        server,
        route,
        plan.bodies / body_name(route.body, turn.rows),
        plan.script,
        connections=turn.connections,
        seconds=plan.seconds,
    )


def _target(
    turn: Turn, specs: list[ServerSpec], found: dict[str, ServerResult]
) -> list[tuple[ServerSpec, Route]]:
    """The spec and route a turn loads, when that server was selected and its route works."""
    result = found.get(turn.server)
    spec = next((s for s in specs if s.name == turn.server), None)
    if spec is None or result is None or result.error:
        return []
    if turn.route == GRPC:
        if spec.grpc is None:
            return []
        return [(spec, Route(GRPC, "(gRPC ModelInfer)", BodyKind.V2_MATRIX, AnswerKind.V2))]
    if spec.compared_only:  # never checked route by route: its first route is its key
        return [(spec, spec.routes[0])]
    working = result.route(turn.route) if turn.route else result.key()
    if working is None:
        return []
    route = next(r for r in spec.routes if r.label == working.label)
    return [(spec, route)]
