"""Request bodies for every route, and the decoders that read the species back out of answers."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path

import numpy as np
import pyarrow as pa
from sklearn import datasets

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
ARROW_STREAM = "application/vnd.apache.arrow.stream"
JSON = "application/json"
SINGLE_ROW = [5.1, 3.5, 1.4, 0.2]


class BodyKind(StrEnum):
    """How a route wants the rows written."""

    RECORDS = "records"  # [{"sepal_length": 5.1, ...}, ...]
    ROWS_OBJECT = "rows_object"  # {"rows": [records]}
    ARROW = "arrow"  # an Arrow IPC stream, one float64 column per feature
    V2_COLUMNS = "v2_columns"  # Open Inference Protocol, one FP64 tensor per named column
    V2_MATRIX = "v2_matrix"  # Open Inference Protocol, one [N, 4] FP64 tensor


class AnswerKind(StrEnum):
    """Where the predicted species sit in a route's answer."""

    RECORDS = "records"  # [{"species": 0}, ...]
    SPECIES_LIST = "species_list"  # {"species": [0, ...]}
    ARROW = "arrow"  # an Arrow IPC stream with a "species" column
    V2 = "v2"  # {"outputs": [{"data": [0, ...]}]}


def rows(count: int) -> np.ndarray:
    """``count`` feature rows: the known single row, or iris rows tiled with seeded jitter."""
    if count == 1:
        return np.array([SINGLE_ROW])
    data = datasets.load_iris().data
    tiled = np.resize(data, (count, data.shape[1]))
    jitter = np.random.default_rng(0).normal(0.0, 0.05, size=tiled.shape)
    return np.round(tiled + jitter, 2)


def encode(kind: BodyKind, matrix: np.ndarray) -> bytes:
    """The request body of ``kind`` carrying ``matrix``."""
    records = [dict(zip(FEATURES, map(float, row), strict=True)) for row in matrix]
    if kind is BodyKind.RECORDS:
        return json.dumps(records).encode()
    if kind is BodyKind.ROWS_OBJECT:
        return json.dumps({"rows": records}).encode()
    if kind is BodyKind.ARROW:
        arrays = [pa.array(matrix[:, i], type=pa.float64()) for i in range(len(FEATURES))]
        table = pa.Table.from_arrays(arrays, names=FEATURES)
        sink = io.BytesIO()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        return sink.getvalue()
    if kind is BodyKind.V2_COLUMNS:
        inputs = [
            {
                "name": name,
                "datatype": "FP64",
                "shape": [len(matrix)],
                "data": matrix[:, i].tolist(),
            }
            for i, name in enumerate(FEATURES)
        ]
        return json.dumps({"inputs": inputs}).encode()
    tensor = {
        "name": "predict",
        "datatype": "FP64",
        "shape": list(matrix.shape),
        "data": matrix.ravel().tolist(),
    }
    return json.dumps({"inputs": [tensor]}).encode()


def _records(body: bytes) -> list[int]:
    return [int(row["species"]) for row in json.loads(body)]


def _species_list(body: bytes) -> list[int]:
    return [int(label) for label in json.loads(body)["species"]]


def _arrow(body: bytes) -> list[int]:
    table = pa.ipc.open_stream(body).read_all()
    return [int(str(label)) for label in table.column("species").to_pylist()]


def _v2(body: bytes) -> list[int]:
    outputs = json.loads(body)["outputs"]
    return [int(label) for label in outputs[0]["data"]]


DECODERS: dict[AnswerKind, Callable[[bytes], list[int]]] = {
    AnswerKind.RECORDS: _records,
    AnswerKind.SPECIES_LIST: _species_list,
    AnswerKind.ARROW: _arrow,
    AnswerKind.V2: _v2,
}


def decode(kind: AnswerKind, body: bytes) -> list[int]:
    """The species labels in an answer of ``kind``; raises on anything malformed."""
    return DECODERS[kind](body)


def write_bodies(folder: Path, row_counts: tuple[int, ...]) -> None:
    """Write every body kind for every row count as ``<kind>-<rows>.body`` under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for count in row_counts:
        matrix = rows(count)
        for kind in BodyKind:
            (folder / body_name(kind, count)).write_bytes(encode(kind, matrix))


def body_name(kind: BodyKind, count: int) -> str:
    """The file name of a prepared body."""
    return f"{kind.value}-{count}.body"
