"""``modelport batch ... --target ray://...`` on the session's Ray cluster: Ray Data reads the
inputs, answers them in actors that each load the model once (two with ``--workers 2``), and
writes the same answers as the local run, row for row; an input the model cannot take is
refused naming the file."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from ..cli import run_cli
from .ray_cluster import RayCluster

pytest.importorskip("ray.data", reason="ray[data] is not installed (pip install modelport[ray])")

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "iris"
FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("ray-batch-home")
    project = tmp_path_factory.mktemp("ray-batch-src") / "iris"
    shutil.copytree(EXAMPLE, project)
    built = run_cli("build", str(project), "--env", "inherit", home=home)
    assert built.code == 0, built.stderr
    return home


def _flowers(first_id: int, rows: int, seed: int) -> pa.Table:
    values = np.random.default_rng(seed).uniform(0.1, 7.5, size=(rows, len(FEATURES)))
    columns = {"id": pa.array(range(first_id, first_id + rows), pa.int64())}
    columns |= {name: pa.array(values[:, i]) for i, name in enumerate(FEATURES)}
    return pa.table(columns)


def test_the_same_answers_as_the_local_run(
    home: Path, tmp_path: Path, ray_session_cluster: RayCluster
) -> None:
    inputs = tmp_path / "flowers"
    inputs.mkdir()
    pq.write_table(_flowers(0, 300, seed=1), inputs / "a.parquet")
    pq.write_table(_flowers(300, 200, seed=2), inputs / "b.parquet")
    pacsv.write_csv(_flowers(500, 100, seed=3), inputs / "c.csv")
    job = ["batch", "iris", str(inputs), "--keep", "id", "--chunk-rows", "64", "--json"]
    local = run_cli(*job, "-o", str(tmp_path / "local.parquet"), home=home)
    assert local.code == 0, local.stderr
    on_ray = run_cli(
        *job, "-o", str(tmp_path / "ray.parquet"), "--target", ray_session_cluster.target,
        home=home, timeout=600,
    )  # fmt: skip
    assert on_ray.code == 0, on_ray.stderr
    assert "Starting execution" not in on_ray.stderr  # Ray Data's log lines kept quiet
    assert on_ray.json()["rows"] == local.json()["rows"] == 600
    answers = pq.read_table(tmp_path / "ray.parquet")
    assert answers.column_names == ["id", "species"]
    assert answers.equals(pq.read_table(tmp_path / "local.parquet"))
    assert answers.column("id").to_pylist() == list(range(600))  # the inputs' order
    assert not (tmp_path / "ray.parquet.parts").exists()

    two = run_cli(
        *job, "-o", str(tmp_path / "ray-2.parquet"), "--target", ray_session_cluster.target,
        "--workers", "2", home=home, timeout=600,
    )  # fmt: skip
    assert two.code == 0, two.stderr
    assert pq.read_table(tmp_path / "ray-2.parquet").equals(answers)


def test_an_input_the_model_cannot_take_is_refused_naming_it(
    home: Path, tmp_path: Path, ray_session_cluster: RayCluster
) -> None:
    rows = tmp_path / "rows.parquet"
    pq.write_table(_flowers(0, 10, seed=4).drop_columns(["petal_width"]), rows)
    result = run_cli(
        "batch", "iris", str(rows), "-o", str(tmp_path / "out.parquet"),
        "--target", ray_session_cluster.target, home=home, timeout=600,
    )  # fmt: skip
    assert result.code == 1
    assert f"error: {rows}: missing input column: petal_width" in result.stderr
    assert not (tmp_path / "out.parquet").exists()


def test_what_runs_locally_only_is_refused_before_joining(home: Path, tmp_path: Path) -> None:
    rows = tmp_path / "rows.parquet"
    pq.write_table(_flowers(0, 10, seed=5), rows)
    unanswered = "ray://127.0.0.1:9"  # refused before any connection is tried
    skip = run_cli(
        "batch", "iris", str(rows), "-o", str(tmp_path / "out.parquet"), "--on-error", "skip",
        "--target", unanswered, home=home,
    )  # fmt: skip
    assert skip.code == 1
    assert "--on-error skip runs locally only" in skip.stderr
    arrow = run_cli(
        "batch", "iris", str(rows), "-o", str(tmp_path / "out.arrow"), "--target", unanswered,
        home=home,
    )  # fmt: skip
    assert arrow.code == 1
    assert "arrow files are read and written locally only" in arrow.stderr
