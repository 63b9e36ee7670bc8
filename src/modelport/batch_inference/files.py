"""The files of a batch job: which inputs a path names, reading them as streams of Arrow record
batches (never a whole file in memory), and writing tables in the format asked for.

Formats are told by suffix: ``.parquet``/``.pq``, ``.csv``, and Arrow IPC as ``.arrow``,
``.feather`` or ``.ipc`` (a file, or a stream: told apart by the file's first bytes) or
``.arrows`` (a stream). Arrow output is written as an IPC file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from modelport.errors import InvalidInput, MalformedInput, NotFound

FileFormat = Literal["parquet", "csv", "arrow"]

FORMATS: tuple[FileFormat, ...] = ("parquet", "csv", "arrow")
SUFFIXES: dict[str, FileFormat] = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".arrow": "arrow",
    ".arrows": "arrow",
    ".feather": "arrow",
    ".ipc": "arrow",
}
EXTENSIONS: dict[FileFormat, str] = {"parquet": ".parquet", "csv": ".csv", "arrow": ".arrow"}
ARROW_FILE_MAGIC = b"ARROW1"
READ_BATCH_ROWS = 65_536
"""Rows Parquet and Arrow files are read in at a time (chunks are made of such batches)."""


@dataclass(frozen=True)
class InputFile:
    """One input file, and what identifies its content between two runs."""

    path: Path
    format: FileFormat
    size: int
    mtime_ns: int

    @property
    def identity(self) -> dict[str, object]:
        return {"path": str(self.path), "size": self.size, "mtime_ns": self.mtime_ns}


def format_of(path: Path) -> FileFormat | None:
    """The format ``path``'s suffix names, or None for a suffix that names none."""
    return SUFFIXES.get(path.suffix.lower())


def find_inputs(path: Path) -> list[InputFile]:
    """The input files ``path`` names: itself, or the Parquet, CSV and Arrow files in the folder
    (and its subfolders), in name order; NotFound or InvalidInput naming ``INPUT`` otherwise."""
    if path.is_file():
        found = format_of(path)
        if found is None:
            raise InvalidInput(
                f"cannot read rows from {path} (a {path.suffix or 'suffix-less'} file)",
                hint=f"give a file or folder of: {', '.join(sorted(SUFFIXES))}",
                field="INPUT",
            )
        return [_input(path, found)]
    if not path.is_dir():
        raise NotFound(f"{path} does not exist (in {Path.cwd()})", field="INPUT")
    files = [
        _input(p, kind)
        for p in sorted(path.rglob("*"))
        if p.is_file()
        and not p.name.startswith((".", "_"))
        and (kind := SUFFIXES.get(p.suffix.lower())) is not None
    ]
    if not files:
        raise NotFound(
            f"{path} holds no Parquet, CSV or Arrow files",
            hint=f"name them with one of: {', '.join(sorted(SUFFIXES))}",
            field="INPUT",
        )
    return files


def _input(path: Path, kind: FileFormat) -> InputFile:
    stat = path.stat()
    return InputFile(path.resolve(), kind, stat.st_size, stat.st_mtime_ns)


def column_names(source: InputFile) -> list[str]:
    """The names of ``source``'s columns, read from its head alone."""
    with _reading(source):
        if source.format == "parquet":
            return list(pq.read_schema(source.path).names)
        if source.format == "csv":
            with pacsv.open_csv(source.path) as reader:
                return list(reader.schema.names)
        with pa.OSFile(str(source.path), "rb") as file:
            return list(_open_ipc(file).schema.names)


def total_rows(source: InputFile) -> int | None:
    """How many rows ``source`` holds, when its metadata says without reading it all (Parquet,
    an Arrow IPC file); None for CSV and an Arrow stream."""
    with _reading(source):
        if source.format == "parquet":
            return int(pq.ParquetFile(source.path).metadata.num_rows)
        if source.format == "arrow":
            with pa.OSFile(str(source.path), "rb") as file:
                reader = _open_ipc(file)
                if isinstance(reader, ipc.RecordBatchFileReader):
                    batches = range(reader.num_record_batches)
                    return sum(reader.get_batch(i).num_rows for i in batches)
    return None


def csv_convert_options(
    columns: Sequence[str], types: pa.Schema | None = None
) -> pacsv.ConvertOptions:
    """How a CSV input is read, here and on Ray Data: only ``columns``, those named in ``types``
    as those types (as the online route reads a CSV body), empty text as text, not null."""
    return pacsv.ConvertOptions(
        column_types={f.name: f.type for f in types if f.name in columns} if types else None,
        include_columns=list(columns),
        strings_can_be_null=False,
    )


def record_batches(
    source: InputFile, columns: Sequence[str], *, types: pa.Schema | None = None
) -> Iterator[pa.RecordBatch]:
    """``source``'s ``columns``, batch by batch; CSV columns named in ``types`` are read as
    those types (as the online route reads a CSV body)."""
    with _reading(source):
        if source.format == "parquet":
            # pre_buffer (pyarrow's default) keeps every row group's bytes read ahead until the
            # file is closed: memory would grow with the file
            parquet = pq.ParquetFile(source.path, pre_buffer=False)
            yield from parquet.iter_batches(batch_size=READ_BATCH_ROWS, columns=list(columns))
        elif source.format == "csv":
            convert = csv_convert_options(columns, types)
            with pacsv.open_csv(source.path, convert_options=convert) as reader:
                yield from reader
        else:
            with pa.OSFile(str(source.path), "rb") as file:
                ipc_reader = _open_ipc(file)
                if isinstance(ipc_reader, ipc.RecordBatchFileReader):
                    for i in range(ipc_reader.num_record_batches):
                        yield ipc_reader.get_batch(i).select(list(columns))
                else:
                    for batch in ipc_reader:
                        yield batch.select(list(columns))


def _open_ipc(file: pa.NativeFile) -> ipc.RecordBatchFileReader | ipc.RecordBatchStreamReader:
    head = file.read(len(ARROW_FILE_MAGIC))
    file.seek(0)
    if head == ARROW_FILE_MAGIC:
        return ipc.open_file(file)
    return ipc.open_stream(file)


@contextmanager
def _reading(source: InputFile) -> Iterator[None]:
    """Arrow's errors while reading ``source`` as MalformedInput naming the file."""
    try:
        yield
    except (pa.ArrowException, OSError) as exc:
        raise MalformedInput(
            f"cannot read {source.path} as {source.format}: {exc}",
            hint=f"check the file is a whole {source.format} file whose values fit the model",
            field="INPUT",
        ) from exc


def write_table(table: pa.Table, path: Path, kind: FileFormat) -> None:
    """Write ``table`` to ``path`` whole or not at all: into a temporary file beside it, then
    renamed into place."""
    temporary = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    if kind == "parquet":
        pq.write_table(table, temporary)
    elif kind == "csv":
        pacsv.write_csv(table, temporary)
    else:
        with pa.OSFile(str(temporary), "wb") as sink, ipc.new_file(sink, table.schema) as out:
            out.write_table(table)
    os.replace(temporary, path)


def join_files(parts: Sequence[Path], path: Path, kind: FileFormat) -> None:
    """Join the ``parts`` (tables of one schema, written by :func:`write_table`) into ``path``,
    one part in memory at a time, whole or not at all."""
    temporary = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    if kind == "csv":
        _join_csv(parts, temporary)
    elif kind == "parquet":
        writer: pq.ParquetWriter | None = None
        for part in parts:
            table = pq.read_table(part)
            writer = writer or pq.ParquetWriter(temporary, table.schema)
            writer.write_table(table)
        if writer is None:
            raise InvalidInput("there are no rows to write", field="INPUT")
        writer.close()
    else:
        _join_arrow(parts, temporary)
    os.replace(temporary, path)


def _join_csv(parts: Sequence[Path], target: Path) -> None:
    """CSV parts joined byte for byte, the header of the first kept, the others' dropped."""
    with target.open("wb") as out:
        for number, part in enumerate(parts):
            with part.open("rb") as source:
                header = source.readline()
                if number == 0:
                    out.write(header)
                while block := source.read(1 << 20):
                    out.write(block)


def _join_arrow(parts: Sequence[Path], target: Path) -> None:
    with pa.OSFile(str(target), "wb") as sink:
        writer: ipc.RecordBatchFileWriter | None = None
        for part in parts:
            with pa.OSFile(str(part), "rb") as source:
                reader = ipc.open_file(source)
                writer = writer or ipc.new_file(sink, reader.schema)
                for i in range(reader.num_record_batches):
                    writer.write_batch(reader.get_batch(i))
        if writer is not None:
            writer.close()
