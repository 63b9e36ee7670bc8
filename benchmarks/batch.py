"""``make bench-batch``: rows per second of ``modelport batch`` against a plain pandas loop over
the same model's ``predict`` in the same run, on one core, and how it scales with workers.

The model is ``models/iris_logistic`` (scikit-learn's LogisticRegression, taking DataFrames),
built with ``--env inherit`` into a scratch ``MODELPORT_HOME``. The input is a Parquet file of
10 million rows of its four float features (written once, kept in ``.cache/batch``). Each round
runs, in turns: the loop (``--loop``: read a chunk with ``ParquetFile.iter_batches``,
``to_pandas``, ``predict``, write it with a ``ParquetWriter``) and ``modelport batch
iris-logistic INPUT -o OUTPUT --quiet`` (validation, resumable parts, the final join), both
pinned to one core, then ``modelport batch --workers 2`` pinned to two cores, with the same rows
per chunk. Then ``--workers 1`` and ``--workers 2`` again, in turns, with a model whose rows
cost more (``models/iris_svc``, an SVC, on ``--svc-rows`` rows). To explain the scaling, each
round also times the two ``modelport batch`` runs on a
1,000-row input (what a run costs before and after its rows: the command, the model's load, the
join) and the coordinator's own share of a two-worker run (``--read``: reading the chunks and
serialising them for the workers, one core). Then, unless ``--no-ray``, a Ray cluster of the
benchmark's own on loopback (``ray start --head --block`` with free ports and its own temporary
folder, as the tests start theirs: ``tests/integration/deploy/ray_cluster.py``; stopped by
ending that command, never ``ray stop``) runs ``--target ray://...`` with one actor and with two,
in turns. Wall time is end to end, each process's start included. Every output is checked equal
to the loop's. Writes its own section of docs/benchmarks.md (``make bench`` keeps it) and prints
the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import batch_report
import sections
from batch_report import LOOP, ONE, RAY_ONE, RAY_TWO, SCALING, SVC_ONE, SVC_TWO, TARGET, TWO

BENCH = Path(__file__).resolve().parent
RAY_TESTS = BENCH.parent / "tests" / "integration" / "deploy"
CACHE = BENCH / ".cache" / "batch"
HOME = CACHE / "modelport-home"
PROJECT = BENCH / "models" / "iris_logistic"
SVC_PROJECT = BENCH / "models" / "iris_svc"
REPORT = BENCH.parent / "docs" / "benchmarks.md"
SECTION = "batch"
MODELPORT = Path(sys.executable).parent / "modelport"
FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
WRITE_ROWS = 1_000_000
SMALL_ROWS = 1_000


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="benchmarks/batch.py", description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=3, help="turns of each (median)")
    parser.add_argument("--cpus", default="0,1", help="the cores: one-core runs use the first")
    parser.add_argument("--ray-rounds", type=int, default=2, help="turns of each Ray run")
    parser.add_argument(
        "--svc-rows", type=int, default=10_000_000, help="rows for the SVC runs (0: none)"
    )
    parser.add_argument("--no-ray", action="store_true", help="leave the Ray runs out")
    parser.add_argument("--no-report", action="store_true", help="print only; leave the docs")
    parser.add_argument("--loop", nargs=3, metavar=("INPUT", "OUTPUT", "CHUNK_ROWS"))
    parser.add_argument("--read", nargs=2, metavar=("INPUT", "CHUNK_ROWS"))
    return parser.parse_args(argv)


def pandas_loop(source: Path, target: Path, chunk_rows: int) -> None:
    """The plain loop: read a chunk, predict, write; nothing checked, nothing resumable."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    sys.path.insert(0, str(PROJECT))
    from main import IrisLogistic

    model = IrisLogistic()
    model.build()
    writer: pq.ParquetWriter | None = None
    for batch in pq.ParquetFile(source).iter_batches(batch_size=chunk_rows):
        answer = pa.Table.from_pandas(model.predict(batch.to_pandas()), preserve_index=False)
        writer = writer or pq.ParquetWriter(target, answer.schema)
        writer.write_table(answer)
    assert writer is not None
    writer.close()


def read_and_send(source: Path, chunk_rows: int) -> None:
    """The coordinator's share of a run with workers: read the chunks and serialise each as it
    is sent to a worker (into memory here, not a pipe)."""
    import pyarrow as pa
    import pyarrow.ipc as ipc

    from modelport.batch_inference.chunks import fixed_chunks
    from modelport.batch_inference.files import find_inputs, record_batches

    (found,) = find_inputs(source)
    for chunk in fixed_chunks(record_batches(found, FEATURES), chunk_rows):
        sink = pa.BufferOutputStream()
        with ipc.new_stream(sink, chunk.rows.schema) as writer:
            writer.write_table(chunk.rows)
        sink.getvalue()


def main(argv: list[str]) -> int:
    args = parse(argv)
    if args.loop:
        source, target, rows = args.loop
        pandas_loop(Path(source), Path(target), int(rows))
        return 0
    if args.read:
        read_and_send(Path(args.read[0]), int(args.read[1]))
        return 0
    cpus = [int(n) for n in args.cpus.split(",")]
    _say("building iris-logistic (--env inherit) into a scratch MODELPORT_HOME")
    shutil.rmtree(HOME, ignore_errors=True)
    HOME.mkdir(parents=True)
    _run([str(MODELPORT), "build", str(PROJECT), "--name", "iris-logistic", "--env", "inherit"])
    source, small = _input(args.rows), _input(SMALL_ROWS)
    chunk_rows = _chunk_rows()
    runs: dict[str, list[dict[str, float]]] = {LOOP: [], ONE: [], TWO: []}
    fixed: dict[str, list[dict[str, float]]] = {ONE: [], TWO: []}
    reading: list[dict[str, float]] = []
    for number in range(args.rounds):
        order = list(runs) if number % 2 == 0 else list(reversed(runs))
        for label in order:
            output = _output(label)
            runs[label].append(
                _timed(_command(label, source, output, chunk_rows), _on(label, cpus))
            )
            _say(f"round {number + 1}: {label}: {runs[label][-1]['seconds']:.2f} s")
        for label in fixed:
            small_output = CACHE / "out-small.parquet"
            small_output.unlink(missing_ok=True)
            command = _command(label, small, small_output, chunk_rows)
            fixed[label].append(_timed(command, _on(label, cpus)))
        read = [sys.executable, __file__, "--read", str(source), str(chunk_rows)]
        reading.append(_timed(read, {cpus[0]}))
    for label in (ONE, TWO):
        _check_same(_output(LOOP), _output(label))
    svc = _svc_runs(args.svc_rows, args.rounds, cpus) if args.svc_rows else None
    if not args.no_ray:
        runs |= _ray_runs(source, args.ray_rounds)
    figures = _figures(runs, args.rows, chunk_rows)
    if svc is not None:
        seconds = {label: _median(each) for label, each in svc.items()}
        figures["svc"] = {"rows": args.svc_rows, "runs": svc}
        figures["svc"]["scaling"] = seconds[SVC_ONE] / seconds[SVC_TWO]
    figures["fixed_seconds"] = {k: _median(v) for k, v in fixed.items()}
    figures["small_rows"] = SMALL_ROWS
    figures["read_seconds"] = _median(reading)
    figures["join_seconds"] = _join_seconds(_output(LOOP), chunk_rows)
    figures["load_average"] = [round(load, 1) for load in os.getloadavg()]
    print(json.dumps(figures, indent=1))
    if not args.no_report:
        report = batch_report.render(figures)
        REPORT.write_text(sections.replace(REPORT.read_text(), SECTION, report))
    return 0


def _svc_runs(rows: int, rounds: int, cpus: list[int]) -> dict[str, list[dict[str, float]]]:
    """``--workers 1`` (one core) against ``--workers 2`` (two) with a model whose rows cost
    more: ``models/iris_svc`` (an SVC taking a numpy matrix), on ``rows`` rows."""
    _run([str(MODELPORT), "build", str(SVC_PROJECT), "--name", "iris-svc", "--env", "inherit"])
    source = _input(rows)
    runs: dict[str, list[dict[str, float]]] = {SVC_ONE: [], SVC_TWO: []}
    for number in range(rounds):
        order = list(runs) if number % 2 == 0 else list(reversed(runs))
        for label in order:
            output = _output(label)
            output.unlink(missing_ok=True)
            command = [str(MODELPORT), "batch", "iris-svc", str(source), "-o", str(output)]
            command += ["--quiet", "--workers", "1" if label == SVC_ONE else "2"]
            runs[label].append(_timed(command, {cpus[0]} if label == SVC_ONE else set(cpus[:2])))
            _say(f"svc round {number + 1}: {label}: {runs[label][-1]['seconds']:.2f} s")
    _check_same(_output(SVC_ONE), _output(SVC_TWO))
    return runs


def _ray_runs(source: Path, rounds: int) -> dict[str, list[dict[str, float]]]:
    """The job on a Ray cluster of its own on loopback, with one actor then two, in turns."""
    sys.path.insert(0, str(RAY_TESTS))
    from ray_cluster import ray_cluster  # type: ignore[import-not-found]

    runs: dict[str, list[dict[str, float]]] = {RAY_ONE: [], RAY_TWO: []}
    _say("starting a Ray cluster on loopback")
    with ray_cluster() as cluster:
        for number in range(rounds):
            order = list(runs) if number % 2 == 0 else list(reversed(runs))
            for label in order:
                output = _output(label)
                command = [str(MODELPORT), "batch", "iris-logistic", str(source), "-o"]
                command += [str(output), "--quiet", "--target", cluster.target]
                command += ["--workers", "1" if label == RAY_ONE else "2"]
                runs[label].append(_timed(command, None))
                _say(f"ray round {number + 1}: {label}: {runs[label][-1]['seconds']:.2f} s")
    for label in runs:
        _check_same(_output(LOOP), _output(label))
    return runs


def _median(runs: list[dict[str, float]]) -> float:
    return statistics.median(r["seconds"] for r in runs)


def _join_seconds(answers: Path, chunk_rows: int) -> float:
    """How long joining ``answers`` from parts of ``chunk_rows`` rows takes (what a run does
    last, on one core): the parts written first, the join timed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from modelport.batch_inference.files import join_files

    folder = CACHE / "join-parts"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    parts = []
    for number, batch in enumerate(pq.ParquetFile(answers).iter_batches(batch_size=chunk_rows)):
        parts.append(folder / f"{number:06d}.parquet")
        pq.write_table(pa.Table.from_batches([batch]), parts[-1])
    started = time.perf_counter()
    join_files(parts, CACHE / "joined.parquet", "parquet")
    seconds = time.perf_counter() - started
    shutil.rmtree(folder)
    (CACHE / "joined.parquet").unlink()
    return seconds


def _output(label: str) -> Path:
    name = "".join(c if c.isalnum() else "-" for c in label).strip("-")
    return CACHE / f"out-{name}.parquet"


def _on(label: str, cpus: list[int]) -> set[int]:
    """The cores a run is pinned to: one, or two for two workers."""
    return set(cpus[:2]) if label == TWO else {cpus[0]}


def _command(label: str, source: Path, output: Path, chunk_rows: int) -> list[str]:
    output.unlink(missing_ok=True)
    if label == LOOP:
        return [sys.executable, __file__, "--loop", str(source), str(output), str(chunk_rows)]
    command = [str(MODELPORT), "batch", "iris-logistic", str(source), "-o", str(output), "--quiet"]
    return command + (["--workers", "2"] if label == TWO else [])


def _chunk_rows() -> int:
    from modelport.batch_inference.chunks import default_chunk_rows
    from modelport.schema import Field, Signature

    signature = Signature(inputs=[Field(n, float) for n in FEATURES], outputs=[Field("s", int)])
    return default_chunk_rows(signature)  # what `modelport batch` picks for this model


def _input(rows: int) -> Path:
    """The input: ``rows`` rows of iris-like features, written once."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = CACHE / f"iris-{rows}.parquet"
    if path.exists():
        return path
    _say(f"writing {rows:,} rows to {path}")
    generator = np.random.default_rng(18)
    centres, spread = np.array([5.8, 3.0, 3.8, 1.2]), np.array([0.8, 0.4, 1.8, 0.8])
    temporary = path.with_suffix(".tmp")
    schema = pa.schema([(name, pa.float64()) for name in FEATURES])
    with pq.ParquetWriter(temporary, schema) as writer:
        for start in range(0, rows, WRITE_ROWS):
            count = min(WRITE_ROWS, rows - start)
            values = centres + spread * generator.standard_normal((count, 4))
            writer.write_table(pa.Table.from_arrays(list(values.T), schema=schema))
    temporary.rename(path)
    return path


def _timed(command: list[str], cpus: set[int] | None) -> dict[str, float]:
    """Wall and CPU seconds (its own and its children's) of ``command`` run on the cores
    ``cpus`` (None: wherever the system puts it), and the load average when it started."""
    load = os.getloadavg()[0]
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        env={**os.environ, "MODELPORT_HOME": str(HOME)},
        stdout=subprocess.DEVNULL,  # the summary line: this script's stdout is its JSON
        preexec_fn=None if cpus is None else lambda: os.sched_setaffinity(0, cpus),
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{command[0]} failed with exit code {process.returncode}")
    return {"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime, "load": load}


def _check_same(one: Path, other: Path) -> None:
    import pyarrow.parquet as pq

    if not pq.read_table(one).equals(pq.read_table(other)):
        raise SystemExit(f"{one} and {other} differ")


def _figures(
    runs: dict[str, list[dict[str, float]]], rows: int, chunk_rows: int
) -> dict[str, object]:
    seconds = {label: statistics.median(r["seconds"] for r in each) for label, each in runs.items()}
    cpu = {label: statistics.median(r["cpu_seconds"] for r in each) for label, each in runs.items()}
    ratio = seconds[LOOP] / seconds[ONE]
    figures: dict[str, object] = {
        "rows": rows,
        "chunk_rows": chunk_rows,
        "runs": runs,
        "rows_per_second": {label: rows / s for label, s in seconds.items()},
        "ratio": ratio,
        "cpu_ratio": cpu[LOOP] / cpu[ONE],
        "target": TARGET,
        "met": ratio >= TARGET,
        "scaling": seconds[ONE] / seconds[TWO],
        "scaling_target": SCALING,
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    if RAY_TWO in seconds:
        figures["ray_scaling"] = seconds[RAY_ONE] / seconds[RAY_TWO]
    return figures


def _run(command: list[str]) -> None:
    done = subprocess.run(
        command, env={**os.environ, "MODELPORT_HOME": str(HOME)}, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:2])} failed:\n{done.stdout}\n{done.stderr}")


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
