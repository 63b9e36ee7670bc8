"""The frameworks benchmark's section of docs/benchmarks.md, from its figures (results.json)."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime
from typing import Any

NOISE = 0.2
"""Gaps under this share are noise on this machine kind (BENCHMARKING.md)."""
ROWS = ("1", "1000")
MEASURES = ("1 row", "1,000 rows", "cold start")


def rate(server: dict[str, Any], rows: str) -> float | None:
    """Median requests per second of a server's loads of ``rows``, if it was measured."""
    found = server.get("loads", {}).get(rows)
    return float(found["rps"]) if found else None


def cold_start(server: dict[str, Any]) -> float | None:
    """Median seconds from launch to first answer, if measured."""
    found = server.get("cold_starts") or []
    return float(statistics.median(found)) if found else None


def ratios(kind: dict[str, Any], ours: str, theirs: str) -> dict[str, float] | None:
    """``ours`` ÷ ``theirs`` for each measure (req/s: higher is better for ``ours``; cold start:
    their seconds ÷ ours, so above 1 is also better for ``ours``); None if either is missing."""
    servers = kind["servers"]
    if ours not in servers or theirs not in servers:
        return None
    a, b = servers[ours], servers[theirs]
    found: dict[str, float] = {}
    for measure, rows in zip(MEASURES, ROWS, strict=False):
        mine, other = rate(a, rows), rate(b, rows)
        if mine is not None and other:
            found[measure] = mine / other
    mine_cold, other_cold = cold_start(a), cold_start(b)
    if mine_cold and other_cold is not None:
        found["cold start"] = other_cold / mine_cold
    return found or None


def slower(kind: dict[str, Any]) -> list[str]:
    """The measures where onnxruntime did worse than the framework by more than the noise."""
    found = ratios(kind, "onnx", "framework") or {}
    return [measure for measure, value in found.items() if value < 1 - NOISE]


def _number(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _ratio_line(kind: dict[str, Any], ours: str, theirs: str, label: str) -> str | None:
    found = ratios(kind, ours, theirs)
    if not found:
        return None
    parts = ", ".join(f"{measure} **{value:.2f}x**" for measure, value in found.items())
    return f"- {label}: {parts}"


def cpu_ms(load: dict[str, Any]) -> float | None:
    """Server CPU milliseconds per request of a wrk load (None for one-at-a-time timings)."""
    if "server_cpu_pct" not in load or not load["rps"]:
        return None
    return float(load["server_cpu_pct"]) * 10 / float(load["rps"])


def _rate_cell(load: dict[str, Any]) -> str:
    if load.get("alone"):
        return f"{load['rps']:.2f} ({load['p50_ms'] / 1000:.1f} s a request, one at a time)"
    each = ", ".join(f"{x:,.0f}" if x >= 10 else f"{x:.1f}" for x in load["rps_each"])
    return f"{_number(load['rps'], 0 if load['rps'] >= 10 else 1)} ({each})"


def _table(kind: dict[str, Any]) -> list[str]:
    lines = [
        "| server | 1 row req/s (each round) | 1,000 rows req/s (each round) | p99 ms, 1 row "
        "| server CPU ms a request, 1 / 1,000 rows | cold start s | RSS MiB |",
        "|---|---|---|---|---|---|---|",
    ]
    for runtime, server in kind["servers"].items():
        if "error" in server:
            lines.append(f"| {server['label']} | left out: {server['error'][:160]} | | | | | |")
            continue
        single, batch = server["loads"]["1"], server["loads"]["1000"]
        cpu = " / ".join(_number(cpu_ms(load), 2) for load in (single, batch))
        lines.append(
            f"| {server['label']} (`{runtime}`) | {_rate_cell(single)} | {_rate_cell(batch)} | "
            f"{single['p99_ms']:.1f} | {cpu} | {_number(cold_start(server), 2)} | "
            f"{_number(server.get('rss_mib'))} |"
        )
    return lines


def _threads(figures: dict[str, Any]) -> list[str]:
    if not figures.get("threads"):
        return ["**Threads.** Every library keeps its default pools (`--threads 0`)."]
    return [
        f"**Threads.** Every server's torch, OpenMP, BLAS and TensorFlow pools are bounded to "
        f"{figures['threads']} thread (`OMP_NUM_THREADS`, `MKL_NUM_THREADS`, "
        "`OPENBLAS_NUM_THREADS`, `TF_NUM_INTRAOP_THREADS`; `--threads 0` keeps their defaults, "
        "a thread per core): on this shared machine (load average above 10, 2026-12-05) torch's "
        "default pool made one call of the tiny BERT pipeline take about 300 ms in process, "
        "against 6 ms with one thread. onnxruntime reads none of these variables: modelport "
        "sizes its sessions' pool itself, from `--threads` (default 4) bounded by the cores with "
        "one worker, one thread in each of several workers; so here each converted model runs on "
        f"{_session_threads(figures)} intra-op threads, which sleep rather than spin between runs "
        "(before modelport set "
        "them, onnxruntime's default pool of spinning threads made the converted XGBoost graph "
        "take 14.2 ms on 1,000 rows in process, against 2.5 ms with one thread, the same day).",
    ]


def _session_threads(figures: dict[str, Any]) -> str:
    """The intra-op threads modelport gave each onnxruntime session: ``--threads`` (its default,
    4) bounded by the machine's cores, one worker serving."""
    cores = str(figures.get("machine", {}).get("cores", ""))
    return str(min(4, int(cores))) if cores.isdigit() else "up to 4"


def _slower_note(kind: dict[str, Any], found: list[str]) -> list[str]:
    """Where ONNX is slower, with each runtime's server CPU per request beside it."""
    servers = kind["servers"]
    costs = []
    for measure, rows in zip(MEASURES, ROWS, strict=False):
        if measure in found:
            onnx, own = (cpu_ms(servers[r]["loads"][rows]) for r in ("onnx", "framework"))
            if onnx is not None and own is not None:
                costs.append(f"{measure}: {onnx:.2f} ms of server CPU a request against {own:.2f}")
    why = " onnxruntime's threads share the cores with the HTTP loop and wrk (see Threads above)."
    return ["", f"**ONNX is slower here on: {', '.join(found)}** ({'; '.join(costs)}).{why}"]


def render(figures: dict[str, Any], when: datetime | None = None) -> str:
    """The section, between its markers (``sections.replace`` adds them)."""
    day = (when or datetime.now(UTC)).strftime("%Y-%m-%d")
    box, versions = figures["machine"], figures["versions"]
    lines = [
        f"## Framework runtimes: ONNX against each framework's own, and MLServer ({day}, "
        "`make bench-frameworks`)",
        "",
        "Each kind's tiny model is made by `benchmarks/frameworks.py` (seeded, nothing "
        "downloaded) and built by modelport twice where it converts, `--runtime onnx` "
        "(onnxruntime on the converted graph) and `--runtime framework` (the framework's own "
        "`predict`); with `--env inherit`, so both are served by the checkout's own venv (the "
        "MLflow model by the environment modelport builds from its `requirements.txt`), one "
        "worker process each (`--workers 1`). MLServer serves the same file with its runtime "
        "for the framework, at its defaults (one inference worker), in its own uv venv: two "
        "processes, its HTTP front decoding the JSON and the worker predicting, so a 1,000-row "
        "load can use both cores where modelport's one worker process uses one.",
        "",
        f"**Method.** Before timing, every server's answers to 1 and 1,000 rows are checked "
        "against the model's in-process predict (rtol 1e-4, atol 1e-5). Loads: wrk, one "
        f"thread, {figures['connections']} kept-alive connections, {figures['seconds']:g} s a "
        "run, JSON on each server's natural route (modelport's `/v1/models/NAME/predict`, "
        "rows as records; MLServer's Open Inference V2 `/v2/models/NAME/infer`); a kind's "
        "servers all up at once, loaded in rotation, the median of "
        f"{figures['rounds']} rounds. Cold start: each server launched alone, timed from "
        "launch to its first correct answer, in rotation, the median of "
        f"{figures['rounds']}. Ratios are of medians taken in the same minutes; gaps under "
        f"{NOISE:.0%} are noise on this machine. Server CPU is of one core (200% is both).",
        "",
        f"**Machine.** {box['cores']} cores ({box['cpu']}), {box['memory']}, Linux "
        f"{box['kernel']}, Python {box['python']}; shared with other work: load average "
        f"{box['load average at start']} at the start, {figures['load average at end']} at the "
        "end, so absolute figures are low and noisy; compare within a table.",
        "",
        *_threads(figures),
        "",
        "**Versions.** "
        + "; ".join(
            f"{side}: " + ", ".join(f"{name} {version}" for name, version in found.items())
            for side, found in versions.items()
        )
        + ".",
    ]
    for kind in figures["kinds"]:
        lines += ["", f"### {kind['title']}", "", *_table(kind), ""]
        for ours, theirs, label in (
            ("onnx", "framework", "onnx ÷ framework"),
            ("onnx", "mlserver", "modelport (onnx) ÷ MLServer"),
            ("framework", "mlserver", "modelport (framework) ÷ MLServer"),
        ):
            line = _ratio_line(kind, ours, theirs, label)
            if line:
                lines.append(line)
        lines.append("- (cold start ratios: the other's seconds ÷ these; above 1 is faster)")
        if kind["note"]:
            lines += ["", kind["note"]]
        found = slower(kind)
        if found:
            lines += _slower_note(kind, found)
    return "\n".join(lines)
