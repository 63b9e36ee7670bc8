"""A pipeline's answer to one request row, as Wallaroo's output columns for the kind.

Pipelines answer a single input with a dict, a list of dicts (one per label, box, answer or
generated text), or nested lists (feature-extraction's vectors). Wallaroo answers one row per
input, a list per column where the pipeline gave several dicts: ``label`` and ``score`` lists
for classifiers, a list of ``[xmin, ymin, xmax, ymax]`` boxes for detectors, one
height x width mask of ints 0-255 per segment; stable diffusion's first image as
height x width x 3 ints 0-255; speech recognition's ``text``, and its ``chunks`` (records of
text and [start, end] seconds) when the request asked for timestamps, else null.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa

from modelport.errors import ModelFailed
from modelport.formats.wallaroo.hugging_face.kinds import Kind

_BOX = ("xmin", "ymin", "xmax", "ymax")


def answer_columns(kind: Kind, result: Any, schema: pa.Schema) -> dict[str, Any]:
    """The row's value of each column of ``schema`` (the model's output schema)."""
    if kind.task == "text-to-image":  # diffusers' output: floats 0-1, images x H x W x C
        images = np.asarray(result.images, dtype=np.float64)
        return {"images": np.rint(images[0] * 255).clip(0, 255).astype(np.int64).tolist()}
    if kind.task == "feature-extraction":
        vectors = np.asarray(result, dtype=np.float64)
        return {"output": vectors.reshape(-1, vectors.shape[-1]).tolist()}
    found = _records(result)
    if kind.task in ("summarization", "translation", "zero-shot-classification"):
        values = dict(found[0])
    elif kind.task == "automatic-speech-recognition":
        values = {"text": found[0].get("text"), "chunks": _chunks(found[0].get("chunks"))}
    elif kind.task == "question-answering":
        values = {
            name: _column(found, name) if _is_list(schema, name) else found[0].get(name)
            for name in kind.output_names
        }
    else:
        values = {name: _column(found, name) for name in kind.output_names}
    if "box" in values:
        values["box"] = [[round(float(box[side])) for side in _BOX] for box in values["box"]]
    if "mask" in values:
        values["mask"] = [np.asarray(mask, dtype=np.int64).tolist() for mask in values["mask"]]
    missing = [name for name in schema.names if name not in values]
    if missing:
        raise ModelFailed(
            f"the {kind.framework} pipeline answered {sorted(values)}, without {missing[0]!r} "
            "of the output schema",
            hint=f"give an output schema of the pipeline's answers: {', '.join(kind.output_names)}",
            field=missing[0],
        )
    return {name: values[name] for name in schema.names}


def _records(result: Any) -> list[Mapping[str, Any]]:
    """The dicts a pipeline answered one input with."""
    if isinstance(result, Mapping):
        return [result]
    if isinstance(result, list) and result and isinstance(result[0], list):
        result = result[0]  # a list of one input's list
    if isinstance(result, list) and all(isinstance(item, Mapping) for item in result):
        return result
    raise ModelFailed(
        f"the pipeline answered {type(result).__name__}, not the dicts its task answers with",
        hint="save a pipeline of the task its --framework names",
    )


def _chunks(chunks: Any) -> list[dict[str, Any]] | None:
    """Speech recognition's timed chunks as records of text and [start, end] seconds (the
    pipeline gives each timestamp as a tuple); None when the request asked for no timestamps."""
    if chunks is None:
        return None
    return [
        {"text": chunk.get("text"), "timestamp": _seconds(chunk.get("timestamp"))}
        for chunk in chunks
    ]


def _seconds(timestamp: Any) -> list[Any] | None:
    return None if timestamp is None else list(timestamp)


def _column(found: list[Mapping[str, Any]], name: str) -> list[Any]:
    return [record.get(name) for record in found]


def _is_list(schema: pa.Schema, name: str) -> bool:
    if name not in schema.names:
        return False
    kind = schema.field(name).type
    return bool(pa.types.is_list(kind) or pa.types.is_fixed_size_list(kind))
