"""``modelport batch`` end to end, in real processes: Parquet, CSV and Arrow in and out, the same
answers as ``modelport serve`` gives for the same rows, a run killed with SIGKILL finished by a
rerun that answers no chunk twice, bad rows named or skipped, and memory that stays flat on a
large input; with ``--workers 2``, the same answers from two processes, resumable after a kill
as with one, and a worker that dies named with its chunk."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest

from modelport.testing import start_server

from .cli import run_cli

MODEL = """
import os
import sys
import time

import numpy as np

import modelport
from modelport import Field, Signature


class Linear(modelport.Model):
    def build(self):
        self.weights = np.array([2.0, -1.0])

    def predict(self, features: np.ndarray) -> dict[str, np.ndarray]:
        log = os.environ.get("LINEAR_PREDICT_LOG")
        if log:  # a line per call: its rows, its first x (which tells the chunk), the
            # interpreter and the process
            with open(log, "a") as out:
                first = float(features[0, 0])
                out.write(f"{len(features)} {first!r} {sys.prefix} {os.getpid()}\\n")
        barrier = os.environ.get("LINEAR_BARRIER")
        if barrier:  # each worker's first call waits (a while) for another worker's: with two
            # workers, neither can answer every chunk while the other is still loading
            open(os.path.join(barrier, str(os.getpid())), "w").close()
            deadline = time.monotonic() + 60
            while len(os.listdir(barrier)) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
        if os.environ.get("LINEAR_DIE_AT") == repr(float(features[0, 0])):
            os.kill(os.getpid(), 9)  # as the kernel kills a process out of memory
        if os.environ.get("LINEAR_HANG_AT") == repr(float(features[0, 0])):
            time.sleep(120)
        time.sleep(float(os.environ.get("LINEAR_DELAY", "0")))
        score = features @ self.weights
        return {"score": score, "positive": (score > 0).astype(np.int64)}

    def schema(self):
        return Signature(
            inputs=[Field("x", float), Field("y", float)],
            outputs=[Field("score", float), Field("positive", int)],
        )
"""

TEST = """
import numpy as np
from main import Linear


def test_scores():
    model = Linear()
    model.build()
    assert model.predict(np.array([[1.0, 1.0]]))["score"].tolist() == [1.0]
"""


def _project(folder: Path) -> Path:
    (folder / "main").mkdir(parents=True)
    (folder / "main" / "__init__.py").write_text("from .model import Linear\n")
    (folder / "main" / "model.py").write_text(MODEL)
    (folder / "main" / "requirements.txt").write_text("numpy\n")
    (folder / "tests" / "ut").mkdir(parents=True)
    (folder / "tests" / "ut" / "test_model.py").write_text(TEST)
    return folder


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry holding ``linear:1``, built in this interpreter (``--env inherit``)."""
    home = tmp_path_factory.mktemp("batch-home")
    project = _project(tmp_path_factory.mktemp("batch-src") / "linear")
    built = run_cli("build", str(project), "--env", "inherit", home=home)
    assert built.code == 0, built.stderr
    return home


def _rows(count: int, seed: int = 7) -> pa.Table:
    generator = np.random.default_rng(seed)
    return pa.table(
        {
            "id": pa.array(np.arange(count) + 1000, pa.int64()),
            "x": generator.normal(size=count),
            "y": generator.normal(size=count),
        }
    )


def _write(table: pa.Table, path: Path) -> Path:
    if path.suffix == ".parquet":
        pq.write_table(table, path, row_group_size=100_000)
    elif path.suffix == ".csv":
        pacsv.write_csv(table, path)
    elif path.suffix == ".arrows":
        with pa.OSFile(str(path), "wb") as sink, ipc.new_stream(sink, table.schema) as out:
            out.write_table(table, max_chunksize=700)
    else:
        with pa.OSFile(str(path), "wb") as sink, ipc.new_file(sink, table.schema) as out:
            out.write_table(table, max_chunksize=700)
    return path


def _read(path: Path) -> pa.Table:
    if path.suffix == ".parquet":
        return pq.read_table(path)
    if path.suffix == ".csv":
        return pacsv.read_csv(path)
    with pa.OSFile(str(path), "rb") as source:
        return ipc.open_file(source).read_all()


@pytest.fixture(scope="module")
def online(home: Path, tmp_path_factory: pytest.TempPathFactory) -> pa.Table:
    """What ``modelport serve`` answers for ``_rows(2_500)``, posted as JSON rows."""
    rows = _rows(2_500)
    environ = {"MODELPORT_HOME": str(home)}
    log_dir = tmp_path_factory.mktemp("batch-serve")
    with start_server("linear", log_dir=log_dir, env=environ, ready_timeout=120) as server:
        answer = httpx.post(
            f"{server.url}/v1/models/linear/predict",
            json=rows.select(["x", "y"]).to_pylist(),
            timeout=30,
        )
    assert answer.status_code == 200, answer.text
    return pa.Table.from_pylist(answer.json())


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".arrow", ".arrows"])
def test_answers_equal_the_online_routes(
    home: Path, online: pa.Table, tmp_path: Path, suffix: str
) -> None:
    source = _write(_rows(2_500), tmp_path / f"rows{suffix}")
    output = tmp_path / f"answers{'.arrow' if suffix == '.arrows' else suffix}"
    ran = run_cli(
        "batch", "linear", str(source), "-o", str(output), "--keep", "id", "--chunk-rows",
        "1000", home=home,
    )  # fmt: skip
    assert ran.code == 0, ran.stderr
    assert "answered 2500 rows" in ran.stdout and "(3 chunks)" in ran.stdout
    answers = _read(output)
    assert answers.column_names == ["id", "score", "positive"]
    assert answers.column("id").to_pylist() == list(range(1000, 3500))
    assert answers.column("score").to_pylist() == online.column("score").to_pylist()
    assert answers.column("positive").to_pylist() == online.column("positive").to_pylist()
    assert not (tmp_path / f"{output.name}.parts").exists()  # the parts are gone once joined


def test_a_folder_of_inputs_answers_into_a_folder_of_parts(home: Path, tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    _write(_rows(1_500, seed=1), inputs / "a.parquet")
    _write(_rows(500, seed=2), inputs / "b.csv")
    ran = run_cli(
        "batch", "linear", str(inputs), "-o", str(tmp_path / "out"), "--format", "parquet",
        "--chunk-rows", "1000", "--quiet", home=home,
    )  # fmt: skip
    assert ran.code == 0, ran.stderr
    import pyarrow.dataset as ds

    answers = ds.dataset(tmp_path / "out", format="parquet").to_table()  # _manifest.json skipped
    assert answers.num_rows == 2_000
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "0000-a-000000.parquet",
        "0000-a-000001.parquet",
        "0001-b-000000.parquet",
        "_manifest.json",
    ]


def _done_chunks(parts: Path) -> set[str]:
    try:
        return set(json.loads((parts / "_manifest.json").read_text())["done"])
    except (FileNotFoundError, json.JSONDecodeError):
        return set()


def _predicted_chunks(log: Path, chunk_rows: int, rows: pa.Table) -> list[int]:
    """The chunk each logged predict call was for (told by its first x)."""
    first_xs = {
        rows.column("x")[i].as_py(): i // chunk_rows for i in range(0, rows.num_rows, chunk_rows)
    }
    calls = [line.split() for line in log.read_text().splitlines()]
    assert all(int(count) == chunk_rows for count, _, _, _ in calls)
    return [first_xs[float(x)] for _, x, _, _ in calls]


def _logged_xs(log: Path) -> set[str]:
    """The first x of each chunk a predict call has started on, as logged."""
    try:
        return {line.split()[1] for line in log.read_text().splitlines()}
    except FileNotFoundError:
        return set()


def _predicting_pids(log: Path) -> set[int]:
    """The processes the logged predict calls ran in."""
    return {int(line.split()[3]) for line in log.read_text().splitlines()}


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_killed_run_is_finished_by_a_rerun_that_redoes_no_chunk(
    home: Path, tmp_path: Path, workers: str
) -> None:
    rows = _rows(10_000)
    source = _write(rows, tmp_path / "rows.parquet")
    output = tmp_path / "answers.parquet"
    parts = tmp_path / "answers.parquet.parts"
    command = [sys.executable, "-m", "modelport", "batch", "linear", str(source), "-o", str(output)]
    command += ["--keep", "id", "--chunk-rows", "500", "--workers", workers]
    first_log = tmp_path / "first.log"
    environ = {**os.environ, "MODELPORT_HOME": str(home), "LINEAR_DELAY": "0.2"}
    hang = repr(rows.column("x")[6 * 500].as_py())  # chunk 6 takes two minutes
    environ |= {"LINEAR_PREDICT_LOG": str(first_log), "LINEAR_HANG_AT": hang}
    process = subprocess.Popen(command, env=environ, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while len(_done_chunks(parts)) < 4 or hang not in _logged_xs(first_log):
            assert process.poll() is None, "the batch ended before it was killed"
            assert time.monotonic() < deadline, "no chunk was finished in time"
            time.sleep(0.02)
    finally:
        # the command alone: its worker processes, even one busy in the model, die with it
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    done = _done_chunks(parts)
    assert 4 <= len(done) < 20 and not output.exists()
    workers_left = _predicting_pids(first_log) - {process.pid}
    assert len(workers_left) == (0 if workers == "1" else 2)
    _wait_until_gone(workers_left)

    second_log = tmp_path / "second.log"
    again = run_cli(*command[3:], home=home, env={"LINEAR_PREDICT_LOG": str(second_log)})
    assert again.code == 0, again.stderr
    assert f"{len(done)} reused from an earlier run" in again.stdout
    redone = _predicted_chunks(second_log, 500, rows)
    assert sorted(redone) == sorted(set(range(20)) - {int(k.split(":")[1]) for k in done})
    answers = pq.read_table(output)
    assert answers.column("id").to_pylist() == rows.column("id").to_pylist()
    expected = np.asarray(rows.column("x")) * 2.0 - np.asarray(rows.column("y"))
    assert answers.column("score").to_pylist() == expected.tolist()


def _wait_until_gone(pids: set[int], seconds: float = 10) -> None:
    """Wait until none of ``pids`` runs (a zombie counts as gone: it runs nothing)."""
    deadline = time.monotonic() + seconds
    while True:
        running = set()
        for pid in pids:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if state != "Z":
                running.add(pid)
        if not running:
            return
        assert time.monotonic() < deadline, f"processes {running} outlived the command"
        time.sleep(0.05)


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_two_workers_answer_as_one_does_in_two_processes(
    home: Path, tmp_path: Path, suffix: str
) -> None:
    rows = _rows(5_000, seed=3)
    source = _write(rows, tmp_path / f"rows{suffix}")
    outputs, pids = {}, {}
    for workers in ("1", "2"):
        outputs[workers] = tmp_path / f"answers-{workers}{suffix}"
        log = tmp_path / f"predict-{workers}.log"
        env = {"LINEAR_PREDICT_LOG": str(log)}
        if workers == "2":
            (tmp_path / "barrier").mkdir()
            env["LINEAR_BARRIER"] = str(tmp_path / "barrier")
        ran = run_cli(
            "batch", "linear", str(source), "-o", str(outputs[workers]), "--keep", "id",
            "--chunk-rows", "1000", "--workers", workers, "--json", home=home, env=env,
        )  # fmt: skip
        assert ran.code == 0, ran.stderr
        assert ran.json()["rows"] == 5_000 and ran.json()["chunks"] == 5
        pids[workers] = _predicting_pids(log)
        assert sorted(_predicted_chunks(log, 1000, rows)) == [0, 1, 2, 3, 4]  # each once
    assert len(pids["1"]) == 1 and len(pids["2"]) == 2 and not pids["1"] & pids["2"]
    assert outputs["2"].read_bytes() == outputs["1"].read_bytes()
    answers = _read(outputs["2"])
    assert answers.column("id").to_pylist() == rows.column("id").to_pylist()


def test_a_worker_that_dies_is_named_with_its_chunk_and_a_rerun_goes_on(
    home: Path, tmp_path: Path
) -> None:
    rows = _rows(6_000, seed=4)
    source = _write(rows, tmp_path / "rows.parquet")
    output = tmp_path / "answers.parquet"
    args = ["batch", "linear", str(source), "-o", str(output), "--chunk-rows", "1000"]
    args += ["--workers", "2"]
    doomed = repr(rows.column("x")[3_000].as_py())  # the first x of chunk 3
    died = run_cli(*args, home=home, env={"LINEAR_DIE_AT": doomed})
    assert died.code == 1
    assert f"error: {source}: in the chunk of rows 3000-3999: the worker process" in died.stderr
    assert "died (killed by SIGKILL). Run the same command again" in died.stderr
    done = _done_chunks(tmp_path / "answers.parquet.parts")
    assert "0:3" not in done and {"0:0", "0:1", "0:2"} <= done  # finished before chunk 3 ended
    log = tmp_path / "again.log"
    again = run_cli(*args, home=home, env={"LINEAR_PREDICT_LOG": str(log)})
    assert again.code == 0, again.stderr
    assert f"{len(done)} reused from an earlier run" in again.stdout
    assert 3 in _predicted_chunks(log, 1000, rows)
    assert pq.read_table(output).num_rows == 6_000


@pytest.mark.parametrize("bad", ["0", "-2"])
def test_a_number_of_workers_under_one_is_refused_naming_the_option(
    home: Path, tmp_path: Path, bad: str
) -> None:
    source = _write(_rows(10), tmp_path / "rows.parquet")
    for where in ([], ["--target", "ray://127.0.0.1:9"]):  # refused before joining a cluster
        ran = run_cli(
            "batch", "linear", str(source), "-o", str(tmp_path / "out.parquet"), "--workers",
            bad, *where, home=home,
        )  # fmt: skip
        assert ran.code != 0
        assert f"--workers {bad}: needs at least 1" in ran.stderr, ran.stderr
    assert not (tmp_path / "out.parquet").exists()


def test_a_changed_input_is_not_mistaken_for_an_earlier_runs(home: Path, tmp_path: Path) -> None:
    rows = _rows(3_000)
    y = rows.column("y").to_pylist()
    y[2_500] = None  # the third chunk stops the first run, which leaves two chunks done
    source = _write(rows.set_column(2, "y", pa.array(y, pa.float64())), tmp_path / "rows.parquet")
    parts = tmp_path / "answers.csv.parts"
    args = ["batch", "linear", str(source), "-o", str(tmp_path / "answers.csv")]
    args += ["--chunk-rows", "1000"]
    stopped = run_cli(*args, home=home)
    assert stopped.code != 0 and _done_chunks(parts) == {"0:0", "0:1"}
    _write(_rows(2_000), source)  # then the input changed
    refused = run_cli(*args, home=home)
    assert refused.code != 0 and "another inputs" in refused.stderr, refused.stderr
    assert "--restart" in refused.stderr
    restarted = run_cli(*args, "--restart", home=home)
    assert restarted.code == 0, restarted.stderr
    assert "(2 chunks)" in restarted.stdout and "reused" not in restarted.stdout
    assert _read(tmp_path / "answers.csv").num_rows == 2_000


@pytest.mark.parametrize("workers", ["1", "2"])
def test_bad_rows_stop_naming_file_rows_and_field_or_are_skipped(
    home: Path, tmp_path: Path, workers: str
) -> None:
    rows = _rows(3_000)
    y = rows.column("y").to_pylist()
    for bad in (5, 1_500, 2_999):
        y[bad] = None
    source = _write(rows.set_column(2, "y", pa.array(y, pa.float64())), tmp_path / "rows.parquet")
    args = ["batch", "linear", str(source), "-o", str(tmp_path / "answers.parquet")]
    args += ["--keep", "id", "--chunk-rows", "1000", "--workers", workers]
    stopped = run_cli(*args, home=home)
    assert stopped.code == 1
    assert f"{source}: in the chunk of rows 0-999: input 'y' is null" in stopped.stderr

    skipped = run_cli(*args, "--on-error", "skip", home=home)
    assert skipped.code == 0, skipped.stderr
    assert "answered 2997 rows" in skipped.stdout and "3 rows failed" in skipped.stdout
    errors = pq.read_table(tmp_path / "answers.errors.parquet")
    assert errors.column("id").to_pylist() == [1005, 2500, 3999]
    assert errors.column("row").to_pylist() == [5, 1_500, 2_999]
    assert set(errors.column("field").to_pylist()) == {"y"}
    answers = pq.read_table(tmp_path / "answers.parquet")
    assert answers.num_rows == 2_997 and 1005 not in answers.column("id").to_pylist()


def test_a_csv_value_that_is_no_number_is_named(home: Path, tmp_path: Path) -> None:
    source = tmp_path / "rows.csv"
    source.write_text("x,y\n1,2\n3,abc\n")
    ran = run_cli("batch", "linear", str(source), "-o", str(tmp_path / "out.csv"), home=home)
    assert ran.code != 0
    assert str(source) in ran.stderr and "input 'y'" in ran.stderr and "'abc'" in ran.stderr


def _peak_rss_kib(command: list[str], environ: dict[str, str]) -> int:
    """The peak resident memory of ``command`` (KiB), measured by a parent of its own."""
    measure = (
        "import resource, subprocess, sys\n"
        "code = subprocess.run(sys.argv[1:]).returncode\n"
        "assert code == 0, code\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", measure, *command],
        env=environ,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    return int(ran.stdout.split()[-1])


def test_memory_stays_flat_on_a_large_input(home: Path, tmp_path: Path) -> None:
    environ = {**os.environ, "MODELPORT_HOME": str(home)}
    peaks = {}
    for count in (200_000, 3_000_000):  # 4.8 MB and 72 MB of values (row groups alike)
        source = _write(_rows(count), tmp_path / f"rows-{count}.parquet")
        output = tmp_path / f"answers-{count}.parquet"
        command = [sys.executable, "-m", "modelport", "batch", "linear", str(source)]
        command += ["-o", str(output), "--chunk-rows", "50000", "--quiet"]
        # the lesser of two runs: a busy machine's read-ahead and thread timing add a few tens
        # of MB to one run's peak now and then, never the whole input
        peaks[count] = min(_peak_rss_kib(command, environ) for _ in range(2))
        assert pq.ParquetFile(output).metadata.num_rows == count
    # all of the larger input in memory at once would take 72 MB more, and its answers more
    assert peaks[3_000_000] - peaks[200_000] < 36 * 1024, peaks


@pytest.mark.slow
def test_a_model_with_an_environment_of_its_own_answers_there(
    home: Path, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    project = _project(tmp_path_factory.mktemp("batch-venv-src") / "linear-env")
    built = run_cli("build", str(project), home=home, timeout=900)  # a uv environment
    assert built.code == 0, built.stderr
    rows = _rows(3_000)
    source = _write(rows, tmp_path / "rows.arrow")
    log = tmp_path / "predict.log"
    ran = run_cli(
        "batch", "linear-env", str(source), "-o", str(tmp_path / "answers.parquet"),
        "--chunk-rows", "1000", home=home, env={"LINEAR_PREDICT_LOG": str(log)},
    )  # fmt: skip
    assert ran.code == 0, ran.stderr
    prefixes = {line.split()[2] for line in log.read_text().splitlines()}
    assert len(prefixes) == 1 and Path(sys.prefix).resolve() != Path(prefixes.pop()).resolve()
    expected = np.asarray(rows.column("x")) * 2.0 - np.asarray(rows.column("y"))
    answers = pq.read_table(tmp_path / "answers.parquet")
    assert answers.column("score").to_pylist() == expected.tolist()

    two_log = tmp_path / "predict-2.log"
    (tmp_path / "barrier").mkdir()
    two = run_cli(
        "batch", "linear-env", str(source), "-o", str(tmp_path / "answers-2.parquet"),
        "--chunk-rows", "1000", "--workers", "2", home=home,
        env={"LINEAR_PREDICT_LOG": str(two_log), "LINEAR_BARRIER": str(tmp_path / "barrier")},
    )  # fmt: skip
    assert two.code == 0, two.stderr
    assert {line.split()[2] for line in two_log.read_text().splitlines()} == {
        line.split()[2] for line in log.read_text().splitlines()
    }  # the workers ran in the model's environment too
    assert len(_predicting_pids(two_log)) == 2
    assert pq.read_table(tmp_path / "answers-2.parquet").equals(answers)


def test_a_column_that_never_fits_stops_even_when_skipping(home: Path, tmp_path: Path) -> None:
    missing = _write(pa.table({"id": [1, 2], "x": [1.0, 2.0]}), tmp_path / "no-y.parquet")
    ran = run_cli(
        "batch", "linear", str(missing), "-o", str(tmp_path / "a.parquet"), "--on-error", "skip",
        home=home,
    )  # fmt: skip
    assert ran.code != 0 and f"{missing}: missing input column: y" in ran.stderr, ran.stderr
    texts = pa.table({"x": [1.0] * 3_000, "y": ["one"] * 3_000})
    wrong = _write(texts, tmp_path / "text-y.parquet")
    ran = run_cli(
        "batch", "linear", str(wrong), "-o", str(tmp_path / "b.parquet"), "--on-error", "skip",
        home=home,
    )  # fmt: skip
    assert ran.code != 0 and "each of the first 1,024 rows fails" in ran.stderr, ran.stderr
    assert "input 'y' should be double" in ran.stderr


def test_an_artifact_file_is_a_target_too(home: Path, tmp_path: Path) -> None:
    archive = tmp_path / "linear.zip"
    assert run_cli("export", "linear:1", "-o", str(archive), home=home).code == 0
    source = _write(_rows(100), tmp_path / "rows.csv")
    ran = run_cli("batch", str(archive), str(source), "-o", str(tmp_path / "out.csv"), home=home)
    assert ran.code == 0, ran.stderr
    assert _read(tmp_path / "out.csv").column_names == ["score", "positive"]
