"""A request row as a Hugging Face pipeline call: what it is called on, and its keyword arguments.

Images arrive as Wallaroo sends them: nested ints, height x width x channels, each 0-255 (3
channels RGB, 4 RGBA, 1 grey), made into a PIL image. Audio arrives as a list of floats (samples
at the feature extractor's sampling rate); ``return_timestamps`` as Wallaroo's string ("word" or
"char"; "true" and "false" as booleans, which Whisper takes). Audio longer than
:data:`CHUNK_SECONDS` is transcribed by a CTC model (wav2vec2 and the like) in chunks of that
length, overlapping by a sixth on each side (transformers' ``chunk_length_s``), so memory stays
bounded; Whisper transcribes long audio in 30 s windows itself. A null optional input is left out
of the call, so the pipeline's default applies; every other input but the first is a keyword
argument.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from modelport.errors import InvalidInput
from modelport.formats.wallaroo.hugging_face.kinds import Kind

_MODES = {1: "L", 3: "RGB", 4: "RGBA"}
CHUNK_SECONDS = 30.0
_CHUNKED_TYPES = ("ctc", "ctc_with_lm")
"""The speech pipelines transformers chunks (its ``type``), which need chunking to stay small."""
_FLAGS = {"true": True, "false": False}


def call_arguments(kind: Kind, row: Mapping[str, Any], index: int) -> tuple[Any, dict[str, Any]]:
    """The pipeline call's first argument and keyword arguments for one request row."""
    for name in kind.required:
        if row.get(name) is None:
            raise InvalidInput(
                f"input {name!r} is null in row {index}",
                hint=f"a {kind.framework} model needs {', '.join(kind.required)} in every row",
                field=name,
            )
    kwargs = {name: value for name, value in row.items() if value is not None}
    if kind.input_kind == "keywords":
        return None, kwargs
    value = kwargs.pop(kind.main_input)
    if kind.input_kind == "image":
        return image(value, f"{kind.main_input}[{index}]"), kwargs
    if kind.input_kind == "audio":
        if isinstance(kwargs.get("return_timestamps"), str):
            flag = kwargs["return_timestamps"]
            kwargs["return_timestamps"] = _FLAGS.get(flag.strip().lower(), flag)
        return audio(value, f"{kind.main_input}[{index}]"), kwargs
    return value, kwargs


def chunking(pipeline: Any, samples: np.ndarray) -> dict[str, Any]:
    """The speech pipeline's chunking arguments for ``samples``: ``chunk_length_s`` when a CTC
    model is given audio longer than :data:`CHUNK_SECONDS`, none otherwise."""
    rate = getattr(pipeline.feature_extractor, "sampling_rate", None)
    if getattr(pipeline, "type", None) not in _CHUNKED_TYPES or not rate:
        return {}
    return {"chunk_length_s": CHUNK_SECONDS} if len(samples) > CHUNK_SECONDS * rate else {}


def image(value: Any, where: str) -> Any:
    """A PIL image of a height x width x channels array of ints 0-255."""
    from PIL import Image

    try:
        pixels = np.asarray(value)
    except ValueError:  # rows of different lengths
        pixels = np.empty(0, dtype=object)
    if pixels.ndim == 2:
        pixels = pixels[:, :, np.newaxis]
    if pixels.ndim != 3 or pixels.shape[2] not in _MODES or pixels.dtype.kind not in "iuf":
        raise InvalidInput(
            f"{where} is not an image: expected height x width x channels numbers (1, 3 or 4 "
            f"channels), got shape {pixels.shape}",
            hint="send each image as nested lists of pixel rows, each pixel [red, green, blue]",
            field=where,
        )
    if pixels.size and (pixels.min() < 0 or pixels.max() > 255):
        raise InvalidInput(
            f"{where} has pixel values outside 0-255 ({pixels.min()} to {pixels.max()})",
            hint="send 8-bit pixel values, 0 to 255",
            field=where,
        )
    data = pixels.astype(np.uint8)
    return Image.fromarray(data[:, :, 0] if pixels.shape[2] == 1 else data)


def audio(value: Any, where: str) -> np.ndarray:
    """Mono audio samples as float32."""
    try:
        samples = np.asarray(value, dtype=np.float32)
    except (ValueError, TypeError):
        samples = np.empty((0, 0), dtype=np.float32)
    if samples.ndim != 1 or samples.size == 0:
        raise InvalidInput(
            f"{where} is not audio: expected a non-empty list of float samples, got shape "
            f"{samples.shape}",
            hint="send the mono waveform as one list of floats at the model's sampling rate",
            field=where,
        )
    return samples
