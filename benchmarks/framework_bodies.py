"""Request bodies of the frameworks benchmark, one per server kind of route, and the decoders that
read each server's answer back as rows of floats (labels as their index, then any scores)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

Decode = Callable[[bytes], np.ndarray]


def column_rows(column: str, matrix: np.ndarray) -> bytes:
    """modelport's native JSON for a Wallaroo upload: one list column per row."""
    return json.dumps([{column: row.tolist()} for row in matrix]).encode()


def named_rows(names: Sequence[str], matrix: np.ndarray) -> bytes:
    """modelport's native JSON for an MLflow model: one named column per feature."""
    return json.dumps([dict(zip(names, row.tolist(), strict=True)) for row in matrix]).encode()


def text_rows(texts: Sequence[str]) -> bytes:
    """modelport's native JSON for a text-classification pipeline: every input of the schema,
    null for the optional ones (the pipeline's defaults)."""
    rows = [{"inputs": text, "top_k": None, "function_to_apply": None} for text in texts]
    return json.dumps(rows).encode()


def v2_matrix(matrix: np.ndarray) -> bytes:
    """Open Inference V2: one [N, features] FP64 tensor (MLServer's sklearn and xgboost)."""
    tensor = {
        "name": "predict",
        "datatype": "FP64",
        "shape": list(matrix.shape),
        "data": matrix.ravel().tolist(),
    }
    return json.dumps({"inputs": [tensor]}).encode()


def v2_columns(names: Sequence[str], matrix: np.ndarray) -> bytes:
    """Open Inference V2: one FP64 tensor per named column, decoded as a DataFrame (MLServer's
    mlflow runtime hands it to pyfunc)."""
    inputs = [
        {"name": name, "datatype": "FP64", "shape": [len(matrix)], "data": matrix[:, i].tolist()}
        for i, name in enumerate(names)
    ]
    return json.dumps({"inputs": inputs, "parameters": {"content_type": "pd"}}).encode()


def v2_texts(texts: Sequence[str]) -> bytes:
    """Open Inference V2 as mlserver-huggingface hands a list of texts to one pipeline call
    (its ``array_inputs``: ``args`` would spread them as positional arguments)."""
    tensor = {
        "name": "array_inputs",
        "datatype": "BYTES",
        "shape": [len(texts)],
        "data": list(texts),
        "parameters": {"content_type": "str"},
    }
    return json.dumps({"inputs": [tensor]}).encode()


def records(column: str) -> Decode:
    """Rows of modelport's native JSON answer: the column's value (a number or a list) each."""

    def decode(body: bytes) -> np.ndarray:
        return np.array([np.ravel(row[column]) for row in json.loads(body)], np.float64)

    return decode


def v2_first_output(body: bytes) -> np.ndarray:
    """The first output tensor of a V2 answer, one row per input row."""
    output = json.loads(body)["outputs"][0]
    return np.array(output["data"], np.float64).reshape(output["shape"][0], -1)


def classified(labels: Sequence[str]) -> Decode:
    """modelport's text-classification answer: [label index, score] of each row's top label."""

    def decode(body: bytes) -> np.ndarray:
        return np.array(
            [[labels.index(row["label"][0]), row["score"][0]] for row in json.loads(body)],
            np.float64,
        )

    return decode


def v2_classified(labels: Sequence[str]) -> Decode:
    """mlserver-huggingface's answer: one JSON string per row in a BYTES output."""

    def decode(body: bytes) -> np.ndarray:
        found: list[Any] = [
            json.loads(item) if isinstance(item, str) else item
            for item in json.loads(body)["outputs"][0]["data"]
        ]
        found = [item[0] if isinstance(item, list) else item for item in found]
        return np.array(
            [[labels.index(item["label"]), item["score"]] for item in found], np.float64
        )

    return decode


def agrees(got: np.ndarray, expected: np.ndarray, rtol: float = 1e-4, atol: float = 1e-5) -> str:
    """Empty when ``got`` answers as ``expected`` (the in-process predict) within the build's
    tolerance of a converted model; otherwise what differs."""
    if got.shape != expected.shape:
        return f"shape {got.shape}, expected {expected.shape}"
    close = np.isclose(got, expected, rtol=rtol, atol=atol)
    if close.all():
        return ""
    worst = float(np.max(np.abs(got - expected)))
    return f"{int((~close).any(axis=1).sum())} of {len(got)} rows differ (largest gap {worst:.3g})"
