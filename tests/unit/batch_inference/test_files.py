"""Reading inputs as streams of record batches and joining part files, in every format."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest

from modelport.batch_inference.files import (
    column_names,
    find_inputs,
    join_files,
    record_batches,
    total_rows,
    write_table,
)
from modelport.errors import InvalidInput, MalformedInput, NotFound

TABLE = pa.table({"id": list(range(10)), "x": [float(i) / 2 for i in range(10)]})


def _write(path: Path) -> Path:
    if path.suffix == ".parquet":
        pq.write_table(TABLE, path, row_group_size=3)
    elif path.suffix == ".csv":
        pacsv.write_csv(TABLE, path)
    elif path.suffix == ".arrows":
        with pa.OSFile(str(path), "wb") as sink, ipc.new_stream(sink, TABLE.schema) as out:
            out.write_table(TABLE, max_chunksize=4)
    else:
        with pa.OSFile(str(path), "wb") as sink, ipc.new_file(sink, TABLE.schema) as out:
            out.write_table(TABLE, max_chunksize=4)
    return path


@pytest.mark.parametrize("name", ["rows.parquet", "rows.csv", "rows.arrow", "rows.arrows"])
def test_every_format_reads_back_its_rows(tmp_path: Path, name: str) -> None:
    [source] = find_inputs(_write(tmp_path / name))
    assert column_names(source) == ["id", "x"]
    types = pa.schema([("x", pa.float32())])  # CSV columns take the model's types
    table = pa.Table.from_batches(list(record_batches(source, ["x"], types=types)))
    assert table.column_names == ["x"]
    assert table.column("x").to_pylist() == TABLE.column("x").to_pylist()
    if source.format == "csv":
        assert table.schema.field("x").type == pa.float32()
    known = total_rows(source)
    assert known == (None if name.endswith((".csv", ".arrows")) else 10)


def test_a_folder_holds_its_files_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    _write(tmp_path / "sub" / "b.csv")
    _write(tmp_path / "a.parquet")
    (tmp_path / "notes.txt").write_text("not rows")
    (tmp_path / "_manifest.json").write_text("{}")
    assert [p.path.name for p in find_inputs(tmp_path)] == ["a.parquet", "b.csv"]


def test_what_is_no_input_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="does not exist"):
        find_inputs(tmp_path / "missing.csv")
    with pytest.raises(NotFound, match="holds no Parquet"):
        find_inputs(tmp_path)
    (tmp_path / "rows.txt").write_text("x\n1\n")
    with pytest.raises(InvalidInput, match=r"rows\.txt"):
        find_inputs(tmp_path / "rows.txt")
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 not really")
    [broken] = find_inputs(tmp_path / "broken.parquet")
    with pytest.raises(MalformedInput, match=r"broken\.parquet"):
        column_names(broken)


@pytest.mark.parametrize("kind", ["parquet", "csv", "arrow"])
def test_parts_join_into_one_file(tmp_path: Path, kind: str) -> None:
    parts = []
    for number, start in enumerate(range(0, 10, 4)):
        part = tmp_path / f"part-{number}.{kind}"
        write_table(TABLE.slice(start, 4), part, kind)  # type: ignore[arg-type]
        parts.append(part)
    target = tmp_path / f"joined.{kind}"
    join_files(parts, target, kind)  # type: ignore[arg-type]
    [source] = find_inputs(target)
    joined = pa.Table.from_batches(list(record_batches(source, ["id", "x"])))
    assert joined.to_pylist() == TABLE.to_pylist()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
