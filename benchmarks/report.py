"""docs/benchmarks.md from a run's results: tables per scenario, ratios to each peer, targets."""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from dataclasses import dataclass

from peers import BATCH_SECONDS, BATCH_SIZE
from results import Load, Results, RouteResult, ServerResult, TurnResult

SUBJECT = "modelport"  # the iris SVC served by modelport: the figures the targets are about
SCENARIOS = [(rows, c) for rows in (1, 1000) for c in (1, 8, 64)]
LITTLE_RANGE = (0.8, 1.25)


@dataclass(frozen=True)
class Target:
    """A target of the issue, evaluated on a run: ``measured`` must be <= or >= ``needed``."""

    text: str
    measured: float | None
    needed: float | None
    at_least: bool
    unit: str
    detail: str

    @property
    def verdict(self) -> str:
        if self.measured is None or self.needed is None:
            return "not measured"
        met = self.measured >= self.needed if self.at_least else self.measured <= self.needed
        if met:
            return "**met**"
        shortfall = (
            1 - self.measured / self.needed if self.at_least else self.measured / self.needed - 1
        )
        return f"**missed** by {shortfall:.0%}"


def render(results: Results) -> str:
    """The whole markdown report."""
    return "\n".join(
        [
            *_header(results),
            *_targets(results),
            *_turns(results),
            *_cold_and_memory(results),
            *_floor(results),
            *_scenarios(results),
            *_ratios(results),
            *_checks(results),
        ]
    )


def _header(results: Results) -> Iterator[str]:
    meta = results.meta
    yield "# Benchmarks: modelport and its peers on the iris SVC"
    yield ""
    yield (
        f"Written by `make bench` (`benchmarks/run.py`) on {meta['date']}; every figure below "
        "comes from that one run, raw figures in `benchmarks/results.json`."
    )
    if meta.get("quick"):
        yield ""
        yield "> **Smoke run (`--quick`)**: 2-second loads, one round of each: indicative."
    yield ""
    yield from _contention(results)
    yield "## Machine and method"
    yield ""
    yield "| | |"
    yield "|---|---|"
    for key, value in meta["machine"].items():
        yield f"| {key} | {value} |"
    for key, value in meta["versions"].items():
        yield f"| {key} | {value} |"
    yield ""
    where = (
        "inside a loopback-only network namespace (`unshare -n`, `ip link set lo up`)"
        if meta.get("netns")
        else "on plain loopback (`unshare -n` was not permitted)"
    )
    yield '- Model: scikit-learn `SVC(gamma="scale")` trained on the bundled iris data; every '
    yield "  server's answers to both bodies are checked against in-process `predict` first."
    yield (
        f"- Load: wrk, one thread, kept-alive connections = concurrency, "
        f"{meta['seconds']:g}-second runs, {where}. wrk shares the 2 cores with the server: "
        "CPU use of each (percent of one core) is beside every figure."
    )
    if results.turns:
        yield (
            "- This machine's speed drifts by up to 2x within minutes (host contention that "
            "/proc/stat does not show), so what the targets compare is measured side by side: "
            f"cold starts launch every server in rotation, {meta['repeats']} rounds (median); "
            "the compared loads run with those servers up at once, taking turns, "
            f"{meta['repeats']} rounds (median; see *Compared in turns*), the in-process floor "
            "timed just before each turn of the 1,000-row Arrow load (its target is the median "
            "of each round's rate against the floor timed just before it). The per-scenario tables "
            "and ratios further down are single runs of each server, minutes apart."
        )
    yield "- Bodies: 1 row (`[5.1, 3.5, 1.4, 0.2]`) and 1,000 rows of jittered iris data."
    yield (
        "- Every server at its defaults but where said. modelport serves the SVC as "
        "`modelport serve iris-svc` does by default: one worker process per core (2 here) on one "
        "socket, adaptive batching as its calibration at load decides; *--workers 1* is the same "
        "in one process. The DataFrame model is `examples/iris` served as `make serve` serves it "
        "(`--env inherit`). MLServer's ports are set (settings.json) and its venv pins "
        "`uvloop<0.22` and `fastapi<0.116` (1.7.1 does not load models otherwise). Peers run "
        "with a scratch HOME, usage reporting off (`BENTOML_DO_NOT_TRACK`), each from its own uv "
        "venv under `benchmarks/.cache/`."
    )
    yield (
        f"- Batching against batching: MLServer with its adaptive batching on "
        f"(`max_batch_size` {BATCH_SIZE}, `max_batch_time` {BATCH_SECONDS} s in "
        f"model-settings.json) and LitServe with its batching on (`max_batch_size` {BATCH_SIZE}, "
        f"`batch_timeout` {BATCH_SECONDS} s) are compared in turns beside MLServer and the bare "
        "FastAPI app as they start by default. The targets compare against the defaults (the "
        "peers as the issue measured them)."
    )
    yield (
        "- The bare FastAPI app is installed as FastAPI's documentation says (`fastapi[standard]`)"
        " and runs on `uvicorn`, which then uses httptools and uvloop: the HTTP stack modelport's "
        "own server gets from its dependency `uvicorn[standard]`; BentoML and LitServe take "
        '`{"rows": [records]}`, MLServer one `[N, 4]` FP64 V2 tensor.'
    )
    yield (
        "- With 2 worker processes, wrk's kept-alive connections are split between them by the "
        "kernel once, at connect time: an uneven split measures less than both workers."
    )
    yield "- Gaps under ~20% between two figures are noise on this machine kind."
    yield ""


def _contention(results: Results) -> Iterator[str]:
    """A warning when the rest of the shared machine kept the cores busy during the loads."""
    others = sorted(
        [load.other_cpu_pct for s in results.servers for r in s.routes for load in r.loads]
        + [turn.load.other_cpu_pct for turn in results.turns]
    )
    if not others:
        return
    median = others[len(others) // 2]
    if median > 25:
        yield (
            f"> **Busy machine**: other processes used a median {median:.0f}% of a core during "
            "the loads (column *other CPU*; 200% is both cores). Servers were starved unevenly, "
            "so ratios here are unreliable: rerun `make bench` on a quiet machine."
        )
    yield ""


def _targets(results: Results) -> Iterator[str]:
    yield "## Targets"
    yield ""
    yield "| target | measured | needed | result |"
    yield "|---|---|---|---|"
    for target in targets(results):
        measured = "—" if target.measured is None else f"{target.measured:,.2f}{target.unit}"
        needed = (
            "—"
            if target.needed is None
            else f"{'≥' if target.at_least else '≤'} {target.needed:,.2f}{target.unit}"
        )
        yield f"| {target.text} | {measured} | {needed} | {target.verdict} |"
    yield ""
    for target in targets(results):
        if target.detail and target.verdict.startswith(("**missed", "not")):
            yield f"- {target.text}: {target.detail}"
        elif target.text == ARROW_TARGET and _arrow_rounds(results):
            yield f"- {target.text}: {_paired_rounds(results)}"
    yield ""


ARROW_TARGET = "1,000-row Arrow req/s at c=8 ÷ in-process floor"
FASTAPI = "fastapi-async"  # the bare FastAPI `async def` app: the peer to beat on single rows
DATAFRAME = "modelport-iris"  # examples/iris as `make serve` serves it
ONE_WORKER = "modelport-1w"
GRPC = "V2 gRPC"


@dataclass(frozen=True)
class Where:
    """The load a target reads: a server's route (None: its key route), rows, concurrency."""

    server: str
    route: str | None
    rows: int
    concurrency: int


def targets(results: Results) -> list[Target]:
    """Issue 18's targets, evaluated on ``results`` (the loads taken in turns where there are)."""
    svc_8, svc_64 = Where(SUBJECT, "native JSON", 1, 8), Where(SUBJECT, "native JSON", 1, 64)
    frame_8, frame_64 = Where(DATAFRAME, None, 1, 8), Where(DATAFRAME, None, 1, 64)
    mls_8, mls_64 = Where("mlserver", None, 1, 8), Where("mlserver", None, 1, 64)
    fast_8, fast_64 = Where(FASTAPI, None, 1, 8), Where(FASTAPI, None, 1, 64)
    arrow = Where(SUBJECT, "native Arrow", 1000, 8)
    ours, fast = results.server(SUBJECT), results.server(FASTAPI)
    return [
        _rate_target(
            results, "single-row JSON req/s at c=64, numpy SVC, ÷ MLServer's", svc_64, mls_64, 10.0
        ),
        _rate_target(
            results,
            "single-row JSON req/s at c=64, numpy SVC, ÷ bare FastAPI `async def`",
            svc_64,
            fast_64,
            2.5,
        ),
        _rate_target(
            results,
            "single-row JSON req/s at c=8, numpy SVC, ÷ bare FastAPI `async def`",
            svc_8,
            fast_8,
            1.3,
        ),
        _rate_target(
            results,
            "single-row JSON req/s at c=8, DataFrame model (examples/iris as "
            "`make serve` serves it), ÷ MLServer's",
            frame_8,
            mls_8,
            2.5,
        ),
        _rate_target(
            results,
            "single-row JSON req/s at c=64, DataFrame model, ÷ bare FastAPI `async def`",
            frame_64,
            fast_64,
            1.5,
        ),
        Target(
            "single-row JSON p99 at c=64 ÷ MLServer's",
            _ratio(_stat_at(results, svc_64, "p99_ms"), _stat_at(results, mls_64, "p99_ms")),
            0.15,
            False,
            "x",
            _why(results, svc_64, mls_64),
        ),
        _rate_target(
            results,
            "`--workers 2` ÷ `--workers 1`, single row c=64",
            svc_64,
            Where(ONE_WORKER, None, 1, 64),
            1.6,
        ),
        Target(
            "extra memory per additional worker (USS) ÷ the first worker's RSS",
            _extra_worker_share(results),
            0.15,
            False,
            "",
            _memory_detail(results),
        ),
        _rate_target(
            results,
            "gRPC single-row infer req/s at c=8 ÷ MLServer's gRPC",
            Where(SUBJECT, GRPC, 1, 8),
            Where("mlserver", GRPC, 1, 8),
            2.5,
        ),
        Target(
            "cold start `modelport serve NAME` ÷ bare FastAPI's",
            _ratio(*_both(ours, fast, "cold_start_s")),
            1.0,
            False,
            "x",
            _cold_start_note(results),
        ),
        Target(
            ARROW_TARGET,
            _floor_ratio(results),
            1.5,
            True,
            "x",
            " ".join(
                part
                for part in (
                    _paired_rounds(results),
                    _floor_note(results, _stat_at(results, arrow, "rps"))
                    or _route_note(results, "native Arrow"),
                    _profile_note(results, arrow),
                )
                if part
            ),
        ),
    ]


def _rate_target(results: Results, text: str, ours: Where, theirs: Where, needed: float) -> Target:
    """``ours`` req/s ÷ ``theirs``, at least ``needed``."""
    measured = _ratio(_stat_at(results, ours, "rps"), _stat_at(results, theirs, "rps"))
    return Target(text, measured, needed, True, "x", _why(results, ours, theirs))


def _why(results: Results, ours: Where, theirs: Where) -> str:
    """Both loads' figures and CPU, instability, and where our server's CPU went (its profile,
    when the load was profiled)."""
    parts = []
    for where in (ours, theirs):
        load = _find(results, where.server, where.route, where.rows, where.concurrency)
        if load is None:
            parts.append(f"{_label(results, where.server)}: not measured in this run.")
            continue
        warning = unstable(load)
        parts.append(
            f"{_label(results, where.server)}: {load.rps:,.0f} req/s, p50 {load.p50_ms:.2f} ms, "
            f"p99 {load.p99_ms:.2f} ms, server CPU {load.server_cpu_pct:.0f}% (client "
            f"{load.wrk_cpu_pct:.0f}%, other {load.other_cpu_pct:.0f}%)"
            + (f" ⚠ {warning}" if warning else "")
            + "."
        )
    profile = _profile_note(results, ours)
    return " ".join([*parts, profile] if profile else parts)


def _profile_note(results: Results, where: Where) -> str:
    """The profile taken of ``where``'s load (see benchmarks/profiling.py), in words."""
    turn = _turn(results, where)
    if turn is None or not turn.profile:
        return ""
    if "error" in turn.profile:
        return f"(Not profiled: {turn.profile['error']}.)"
    libraries = ", ".join(f"{name} {share:.0%}" for name, share in turn.profile["by_library"][:6])
    functions = ", ".join(
        f"`{name}` {share:.0%}" for name, share in turn.profile["by_function"][:6]
    )
    return (
        f"Profile of that load (py-spy, {turn.profile['samples']:,} samples over the server's "
        f"processes, idle threads left out), by the library of the innermost frame: {libraries}; "
        f"by function: {functions}."
    )


def _turn(results: Results, where: Where) -> TurnResult | None:
    for turn in results.turns:
        same_route = where.route is None or turn.route == where.route
        if (
            turn.server == where.server
            and same_route
            and (turn.load.rows, turn.load.concurrency) == (where.rows, where.concurrency)
        ):
            return turn
    return None


def _stat_at(results: Results, where: Where, name: str) -> float | None:
    load = _find(results, where.server, where.route, where.rows, where.concurrency)
    return None if load is None else float(getattr(load, name))


def _label(results: Results, name: str) -> str:
    return next((s.label for s in results.servers if s.name == name), name)


def _extra_worker_share(results: Results) -> float | None:
    workers = results.pool_memory.get("workers") or []
    if len(workers) < 2:
        return None
    return max(worker["uss_mib"] for worker in workers[1:]) / workers[0]["rss_mib"]


def _memory_detail(results: Results) -> str:
    memory = results.pool_memory
    workers = memory.get("workers") or []
    if not workers:
        return "the default pool's memory was not read in this run."
    each = "; ".join(
        f"worker {n}: RSS {w['rss_mib']:,.0f} MiB, USS {w['uss_mib']:,.0f} MiB"
        for n, w in enumerate(workers, start=1)
    )
    supervisor = memory["supervisor"]
    return (
        f"read from /proc/PID/smaps_rollup after the turns: supervisor RSS "
        f"{supervisor['rss_mib']:,.0f} MiB (USS {supervisor['uss_mib']:,.0f}); {each}."
        + (" Only one worker ran (one core): nothing to compare." if len(workers) < 2 else "")
    )


INSTABILITY_P99_OVER_P50 = 5.0


def unstable(load: Load) -> str:
    """Why a load is unstable (errors, or a p99 more than 5x its p50), or ""."""
    reasons = []
    if load.errors:
        kinds = ", ".join(f"{kind} {count}" for kind, count in load.error_kinds.items())
        reasons.append(f"{load.errors} error(s)" + (f" ({kinds})" if kinds else ""))
    if load.p50_ms > 0 and load.p99_ms > INSTABILITY_P99_OVER_P50 * load.p50_ms:
        reasons.append(f"p99 {load.p99_ms / load.p50_ms:.1f}x p50")
    if reasons and load.server_wait_pct is not None:
        waiting = load.server_wait_pct / 100
        reasons.append(f"{waiting:.1f} server threads waiting for a CPU on average")
    return ", ".join(reasons)


def _cold_start_note(results: Results) -> str:
    ours, fast = results.server(SUBJECT), results.server(FASTAPI)
    parts = [
        "cold start counts the interpreters, the imports and the model load; modelport's counts "
        "two processes in turn: the `modelport` command (finding the model in the registry, "
        "checking the artifact), then the serving process it becomes (`python -m "
        "modelport.serving`)."
    ]
    if ours and fast and ours.cold_start_s and fast.cold_start_s and ours.serving_cold_start_s:
        command = ours.cold_start_s - ours.serving_cold_start_s
        launches = ", ".join(f"{s:.2f}" for s in ours.serving_cold_starts)
        noise = " (within this machine's launch-to-launch noise)" * (
            abs(command) < 0.2 * ours.cold_start_s
        )
        parts.append(
            f"Launched directly, the serving process answers after {ours.serving_cold_start_s:.2f}"
            f" s ({launches}; {ours.serving_cold_start_s / fast.cold_start_s:.2f}x the FastAPI "
            f"app's {fast.cold_start_s:.2f} s), so the command before it adds about "
            f"{command:.2f} s to the median{noise}."
        )
    ours_import = ours.framework_import_s if ours else None
    fast_import = fast.framework_import_s if fast else None
    if ours_import and fast_import and fast and fast.cold_start_s:
        parts.append(
            "Importing the model's framework alone (`import joblib, sklearn.svm` in a fresh "
            f"interpreter after each launch, median) takes {ours_import:.2f} s in the model's "
            "environment (the one the serving process runs in) and "
            f"{fast_import:.2f} s in the FastAPI app's, "
            f"{fast_import / fast.cold_start_s:.0%} of the FastAPI app's whole cold start: to "
            f"match it, modelport has {fast.cold_start_s - ours_import:.2f} s for its command, "
            "the serving interpreter, the HTTP stack, loading the model and answering, where "
            f"the FastAPI app spends {fast.cold_start_s - fast_import:.2f} s on its own steps."
        )
    return " ".join(parts)


def _floor_note(results: Results, arrow_rps: float | None) -> str:
    """What a 1,000-row Arrow request costs beyond the model's own predict: the server's CPU a
    request (its processes' CPU over the rate, so a pool's workers count alike) less the
    in-process predict."""
    load = _find(results, SUBJECT, "native Arrow", 1000, 8)
    if not arrow_rps or load is None or not load.rps:
        return ""
    predict_ms = _floor_seconds(results) * 1000
    request_ms = load.server_cpu_pct * 10 / load.rps
    return (
        f"a 1,000-row Arrow request used {request_ms:.2f} ms of the server's CPU against "
        f"{predict_ms:.2f} ms for predict in-process (timed just before the load): "
        f"{request_ms - predict_ms:.2f} ms of HTTP, Arrow decoding, validation and encoding, "
        "and a thread hop where the pool predicts. "
        + _cpu_note(results, SUBJECT, "native Arrow", 1000, 8)
    )


def _floor_ratio(results: Results) -> float | None:
    """1,000-row Arrow req/s at c=8 ÷ the in-process floor's rate: the median over the rounds
    of each round's rate against the floor timed just before it, when every round has its
    floor (the machine's speed drifts between rounds, and a pair is taken within seconds);
    else the median rate against the median floor."""
    rounds = _arrow_rounds(results)
    if rounds:
        return statistics.median(rps * floor for rps, floor in rounds)
    load = _find(results, SUBJECT, "native Arrow", 1000, 8)
    return None if load is None else _ratio(load.rps, 1 / _floor_seconds(results))


def _paired_rounds(results: Results) -> str:
    """Each round of the 1,000-row Arrow turns: its rate, the floor timed just before it, and
    their ratio."""
    rounds = "; ".join(
        f"{rps:,.0f} req/s against {floor * 1e3:.2f} ms, {rps * floor:.2f}x"
        for rps, floor in _arrow_rounds(results)
    )
    if not rounds:
        return ""
    return f"Rounds in turns (each with the floor timed just before it): {rounds}."


def _arrow_rounds(results: Results) -> list[tuple[float, float]]:
    """The 1,000-row Arrow turns' (req/s, floor seconds) of each round; none when a round
    has no floor of its own (results written before floors were kept per round)."""
    load = _find(results, SUBJECT, "native Arrow", 1000, 8)
    if load is None or not load.floors or len(load.floors) != len(load.passes):
        return []
    return list(zip(load.passes, load.floors, strict=True))


def _floor_seconds(results: Results) -> float:
    """In-process predict seconds on 1,000 rows: timed just before the 1,000-row Arrow load at
    c=8 (the median over its turns) when it was, else at the start of the run."""
    load = _find(results, SUBJECT, "native Arrow", 1000, 8)
    if load is not None and load.floor_s:
        return load.floor_s
    return results.floor.seconds_1000


def _route_note(results: Results, label: str) -> str:
    server = results.server(SUBJECT)
    route = next((r for r in server.routes if r.label == label), None) if server else None
    if route is not None and not route.available:
        return f"the route was not available in this run: {route.reason}"
    return _cpu_note(results, SUBJECT, label, 1000, 8)


def _cpu_note(results: Results, name: str, label: str, rows: int, c: int) -> str:
    load = _find(results, name, label, rows, c)
    if load is None:
        return "not measured in this run."
    return (
        f"at that point the server used {load.server_cpu_pct:.0f}% of a core and wrk "
        f"{load.wrk_cpu_pct:.0f}%, other processes {load.other_cpu_pct:.0f}%; a server near 100% "
        "(with little other CPU) is bound by its one Python thread "
        "(per-request overhead in the HTTP stack, decoding and encoding), not by the model."
    )


def _turns(results: Results) -> Iterator[str]:
    if not results.turns:
        return
    labels = {s.name: s.label for s in results.servers}
    yield "## Compared in turns"
    yield ""
    yield "The loads the targets use, run round after round in rotation with every compared "
    yield "server up at once, each paused (SIGSTOP) outside its own turns so that an idle "
    yield "server's polling takes nothing from the one loaded: requests/s of the median round "
    yield "(every round's in brackets)."
    yield ""
    yield "A load is *unstable* (⚠) when it ended with errors or its p99 is over "
    yield f"{INSTABILITY_P99_OVER_P50:g}x its p50. The gRPC rows' load is h2load "
    yield "(`grpc_client.py`: gRPC frames over HTTP/2, in C as wrk is) in place of wrk, each "
    yield "caller on a connection of its own; every answer checked by its size."
    yield ""
    yield (
        "| server | route | rows | c | req/s | p50 ms | p99 ms | errors | CPU server/client/other "
        "| floor | stable |"
    )
    yield "|---|---|---|---|---|---|---|---|---|---|---|"
    for turn in results.turns:
        load = turn.load
        rounds = ", ".join(f"{rps:,.0f}" for rps in load.passes)
        floor = f"{load.floor_s * 1e3:.2f} ms" if load.floor_s else ""
        yield (
            f"| {labels.get(turn.server, turn.server)} | {turn.route} | {load.rows:,} | "
            f"{load.concurrency} | {load.rps:,.0f} ({rounds}) | {load.p50_ms:.2f} | "
            f"{load.p99_ms:.2f} | {load.errors} | {load.server_cpu_pct:.0f}%/"
            f"{load.wrk_cpu_pct:.0f}%/{load.other_cpu_pct:.0f}% | {floor} | "
            f"{'⚠ ' + unstable(load) if unstable(load) else 'yes'} |"
        )
    yield ""


def _cold_and_memory(results: Results) -> Iterator[str]:
    ours = results.server(SUBJECT)
    yield "## Cold start and resident memory"
    yield ""
    yield "Cold start: from launching the serve command to the first correct prediction (polled "
    yield "every 20 ms), the median of the launches in brackets (every server launched in "
    yield "rotation, round after round, so each round's launches are seconds apart). Memory: "
    yield "VmRSS summed over the server's process tree after its loads."
    yield ""
    yield "| server | cold start | RSS MiB | modelport cold start ÷ this | modelport RSS ÷ this |"
    yield "|---|---|---|---|---|"
    for server in results.servers:
        if server.error:
            yield f"| {server.label} | failed | — | — | {server.error[:200]} |"
            continue
        cold = _ratio(*_both(ours, server, "cold_start_s"))
        rss = _ratio(*_both(ours, server, "rss_mib"))
        yield (
            f"| {server.label} | {_num(server.cold_start_s, ' s')}{_launches(server)} "
            f"| {_num(server.rss_mib, '', 0)} "
            f"| {_num(cold, 'x')} | {_num(rss, 'x')} |"
        )
    yield ""


def _launches(server: ServerResult) -> str:
    if len(server.cold_starts) < 2:
        return ""
    return " (" + ", ".join(f"{s:.2f}" for s in server.cold_starts) + ")"


def _floor(results: Results) -> Iterator[str]:
    f = results.floor
    yield "## In-process floor"
    yield ""
    yield "The same trained SVC's `predict` called in the benchmark process (numpy in, numpy out):"
    yield f"{f.seconds_1 * 1e6:,.0f} µs on 1 row ({1 / f.seconds_1:,.0f} calls/s on one core), "
    yield f"{f.seconds_1000 * 1e3:,.2f} ms on 1,000 rows ({1 / f.seconds_1000:,.0f} calls/s)."
    paired = _floor_seconds(results)
    if paired != f.seconds_1000:
        yield (
            "It is timed again just before each 1,000-row load of the per-server runs and each "
            "turn of the 1,000-row Arrow load (this machine's speed drifts by up to 2x over "
            "minutes); the figures beside modelport's 1,000-row Arrow load at c=8 use the time "
            f"taken next to it (the median over its turns): {paired * 1e3:,.2f} ms "
            f"({1 / paired:,.0f} calls/s), and its target each round's own."
        )
    yield ""


def _scenarios(results: Results) -> Iterator[str]:
    yield "## Throughput and latency, per scenario"
    yield ""
    yield "CPU columns: percent of one core used during the run (200% = both cores); other CPU is "
    yield "what the rest of this shared machine used meanwhile (other engineers' tests, builds). "
    low, high = LITTLE_RANGE
    yield f"Little: mean latency x req/s ÷ connections; ⚠ outside {low}-{high}."
    yield ""
    for rows, c in SCENARIOS:
        yield f"### {rows:,} row{'s' if rows > 1 else ''}, concurrency {c}"
        yield ""
        yield (
            "| server | route | req/s | p50 ms | p99 ms | srv CPU | wrk CPU | other CPU | Little "
            "| errors |"
        )
        yield "|---|---|---|---|---|---|---|---|---|---|"
        for server in results.servers:
            for route in server.routes:
                yield _scenario_row(server, route, rows, c)
        yield ""


def _scenario_row(server: ServerResult, route: RouteResult, rows: int, c: int) -> str:
    name = f"{server.label} | {route.label}"
    if not route.available:
        return f"| {name} | not available | | | | | | | {route.reason[:120]} |"
    load = route.load(rows, c)
    if load is None:
        return f"| {name} | not measured | | | | | | | |"
    passes = ""
    if len(load.passes) > 1:
        passes = " (passes " + ", ".join(f"{p:,.0f}" for p in load.passes) + ")"
    flag = "" if LITTLE_RANGE[0] <= load.little <= LITTLE_RANGE[1] else " ⚠"
    return (
        f"| {name} | {load.rps:,.0f}{passes} | {load.p50_ms:.2f} | {load.p99_ms:.2f} | "
        f"{load.server_cpu_pct:.0f}% | {load.wrk_cpu_pct:.0f}% | {load.other_cpu_pct:.0f}% | "
        f"{load.little:.2f}{flag} | "
        f"{load.errors}{' ⚠ ' + unstable(load) if unstable(load) else ''} |"
    )


def _ratios(results: Results) -> Iterator[str]:
    peers = [s for s in results.servers if not s.modelport and not s.error]
    ours = [(s, r) for s in results.servers if s.modelport and not s.error for r in s.routes]
    yield "## modelport as a ratio to each peer"
    yield ""
    yield "Each cell: modelport req/s ÷ the peer's req/s, then modelport p99 ÷ the peer's p99 "
    yield "(higher is better for the first, lower for the second), same scenario, same run: "
    yield "single runs minutes apart, so gaps under ~20% are noise (the targets use the loads "
    yield "*Compared in turns*)."
    yield ""
    for rows, c in SCENARIOS:
        yield f"### {rows:,} row{'s' if rows > 1 else ''}, concurrency {c}"
        yield ""
        yield "| modelport route | " + " | ".join(p.label for p in peers) + " |"
        yield "|---" * (len(peers) + 1) + "|"
        for server, route in ours:
            cells = []
            for peer in peers:
                theirs = peer.key()
                a = route.load(rows, c) if route.available else None
                b = theirs.load(rows, c) if theirs else None
                if a is None or b is None:
                    cells.append("—")
                else:
                    cells.append(f"{a.rps / b.rps:.2f}x / {a.p99_ms / b.p99_ms:.2f}x")
            yield f"| {server.label}: {route.label} | " + " | ".join(cells) + " |"
        yield ""


def _checks(results: Results) -> Iterator[str]:
    flagged = [
        f"{server.label} {route.label} {load.rows} row(s) c={load.concurrency}: {load.little:.2f}"
        for server in results.servers
        for route in server.routes
        for load in route.loads
        if not LITTLE_RANGE[0] <= load.little <= LITTLE_RANGE[1]
    ]
    loads = [
        (server.label, route.label, load)
        for server in results.servers
        for route in server.routes
        for load in route.loads
    ]
    labels = {server.name: server.label for server in results.servers}
    loads += [
        (labels.get(t.server, t.server), f"{t.route} (in turns)", t.load) for t in results.turns
    ]
    shaky = [
        f"{server} {route} {load.rows:,} row(s) c={load.concurrency}: {unstable(load)}"
        for server, route, load in loads
        if unstable(load)
    ]
    yield "## Checks"
    yield ""
    yield "Little's-law check failures (wrk's latency figures there are suspect):"
    yield from (f"- {line}" for line in flagged) if flagged else ["- none"]
    yield ""
    yield (
        f"Unstable loads (socket errors, timeouts or non-2xx answers; or a p99 over "
        f"{INSTABILITY_P99_OVER_P50:g}x the p50):"
    )
    yield from (f"- {line}" for line in shaky) if shaky else ["- none"]
    yield ""


def _find(results: Results, name: str, label: str | None, rows: int, c: int) -> Load | None:
    """The load the targets use: the one taken in turns when there is one, else the server's
    own run of that scenario."""
    for turn in results.turns:
        load = turn.load
        same_route = label is None or turn.route == label
        if turn.server == name and same_route and (load.rows, load.concurrency) == (rows, c):
            return load
    server = results.server(name)
    if server is None:
        return None
    route = server.key() if label is None else server.route(label)
    return route.load(rows, c) if route else None


def _both(
    a: ServerResult | None, b: ServerResult | None, attribute: str
) -> tuple[float | None, float | None]:
    return (getattr(a, attribute) if a else None, getattr(b, attribute) if b else None)


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else a / b


def _num(value: float | None, unit: str, digits: int = 2) -> str:
    return "—" if value is None else f"{value:,.{digits}f}{unit}"
