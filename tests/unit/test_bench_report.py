"""The pure parts of ``make bench``'s report: a load's instability, the targets it reads from
the loads taken in turns, and a py-spy profile's summary (the benchmark itself is not run here)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from profiling import summarize
from report import render, targets, unstable
from results import Floor, Load, Results, TurnResult, load


def _load(rps: float, p50: float = 5.0, p99: float = 9.0, errors: int = 0, **more: object) -> Load:
    fields: dict = {"rows": 1, "concurrency": 64, "rps": rps, "p50_ms": p50, "p99_ms": p99}
    fields |= {"mean_ms": p50, "little": 1.0, "errors": errors, "server_cpu_pct": 190.0}
    fields |= {"wrk_cpu_pct": 8.0, "other_cpu_pct": 1.0}
    return Load(**(fields | more))


def test_a_load_is_unstable_on_errors_or_a_p99_over_five_times_its_p50() -> None:
    assert unstable(_load(100, p50=10, p99=49)) == ""
    assert unstable(_load(100, p50=10, p99=2100)) == "p99 210.0x p50"
    assert unstable(_load(100, errors=8, error_kinds={"read": 8})) == "8 error(s) (read 8)"
    waited = unstable(_load(100, p50=10, p99=60, server_wait_pct=336.0))
    assert waited == "p99 6.0x p50, 3.4 server threads waiting for a CPU on average"
    assert unstable(_load(100, server_wait_pct=336.0)) == ""


def test_the_targets_read_the_loads_taken_in_turns() -> None:
    turns = [
        TurnResult("modelport", "native JSON", _load(3000, p99=20)),
        TurnResult("mlserver", "V2 [N,4] tensor", _load(1000, p99=200)),
        TurnResult("fastapi-async", "JSON records", _load(1000)),
        TurnResult("modelport-1w", "native JSON", _load(2000)),
    ]
    memory = {"supervisor": {"rss_mib": 200.0, "uss_mib": 15.0}}
    memory["workers"] = [{"rss_mib": 140.0, "uss_mib": 19.0}, {"rss_mib": 140.0, "uss_mib": 14.0}]
    found = {t.text: t for t in targets(Results({}, Floor(1e-4, 4e-3), [], turns, memory))}
    versus_mlserver = found["single-row JSON req/s at c=64, numpy SVC, ÷ MLServer's"]
    assert versus_mlserver.measured == pytest.approx(3.0)
    assert versus_mlserver.verdict == "**missed** by 70%"
    versus_fastapi = found["single-row JSON req/s at c=64, numpy SVC, ÷ bare FastAPI `async def`"]
    assert versus_fastapi.measured == pytest.approx(3.0)
    assert versus_fastapi.verdict == "**met**"
    assert found["single-row JSON p99 at c=64 ÷ MLServer's"].measured == pytest.approx(0.1)
    assert found["`--workers 2` ÷ `--workers 1`, single row c=64"].measured == pytest.approx(1.5)
    memory_target = found["extra memory per additional worker (USS) ÷ the first worker's RSS"]
    assert memory_target.measured == pytest.approx(0.1)
    assert found["gRPC single-row infer req/s at c=8 ÷ MLServer's gRPC"].verdict == "not measured"


def test_the_arrow_target_pairs_each_round_with_the_floor_timed_just_before_it() -> None:
    arrow = {"rows": 1000, "concurrency": 8, "passes": [900.0, 1000.0, 1200.0]}
    drifting = _load(1000, **arrow, floor_s=1.2e-3, floors=[1.8e-3, 1.2e-3, 1.0e-3])
    turns = [TurnResult("modelport", "native Arrow", drifting)]
    found = {t.text: t for t in targets(Results({}, Floor(1e-4, 1e-3), [], turns, {}))}
    target = found["1,000-row Arrow req/s at c=8 ÷ in-process floor"]
    # each round's own ratio (1.62, 1.2, 1.2): the median rate against the median floor is 1.2
    assert target.measured == pytest.approx(1.2)
    assert "900 req/s against 1.80 ms, 1.62x" in target.detail
    drifting.floors = [1.2e-3, 1.8e-3, 1.4e-3]  # 1.08, 1.8, 1.68
    found = {t.text: t for t in targets(Results({}, Floor(1e-4, 1e-3), [], turns, {}))}
    assert found["1,000-row Arrow req/s at c=8 ÷ in-process floor"].measured == pytest.approx(1.68)
    drifting.floors = []  # an older run's results: the median rate against the median floor
    found = {t.text: t for t in targets(Results({}, Floor(1e-4, 1e-3), [], turns, {}))}
    assert found["1,000-row Arrow req/s at c=8 ÷ in-process floor"].measured == pytest.approx(1.2)


def test_the_report_lists_the_arrow_rounds_whether_the_target_is_met_or_not() -> None:
    run = load(Path(__file__).resolve().parents[2] / "benchmarks" / "results.json")
    for passes in ([1500.0, 1600.0, 1700.0], [900.0, 1000.0, 1100.0]):
        arrow = {"rows": 1000, "concurrency": 8, "passes": passes, "floor_s": 1e-3}
        turn = TurnResult("modelport", "native Arrow", _load(1600, **arrow, floors=[1e-3] * 3))
        report = render(Results(run.meta, run.floor, run.servers, [turn], run.pool_memory))
        first = f"{passes[0]:,.0f} req/s against 1.00 ms, {passes[0] / 1000:.2f}x"
        assert "- 1,000-row Arrow req/s at c=8 ÷ in-process floor: Rounds in turns" in report
        assert first in report


def test_a_profile_is_summarized_by_the_library_and_function_of_the_innermost_frame() -> None:
    site = "/venv/lib/python3.11/site-packages"
    collapsed = "\n".join(
        [
            f"run (asyncio/runners.py:1);_from_sequence ({site}/pandas/core/arrays/a.py:9) 40",
            f"run (asyncio/runners.py:1);predict ({site}/sklearn/svm/_base.py:3) 10",
            "run (/usr/lib/python3.11/asyncio/runners.py:1);select (/x/src/modelport/y.py:2) 50",
        ]
    )
    profile = summarize(collapsed, top=2)
    assert profile.samples == 100
    assert profile.by_library == [("modelport", 0.5), ("pandas", 0.4)]
    assert profile.by_function[1] == ("_from_sequence (pandas)", 0.4)
