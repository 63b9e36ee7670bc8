"""The Hugging Face pipelines Wallaroo takes (``--framework hugging-face-<kind>``), each with the
input and output schemas Wallaroo documents for it.

A kind names the transformers pipeline task that serves it, how its first input reaches the
pipeline (text, an image as nested ints H x W x C, audio as floats), the inputs a request must
carry, the optional ones (passed to the pipeline call when not null), and whether inputs beyond
those are forwarded to the pipeline call (Wallaroo's rule: to the model's ``generate`` for
image-to-text, text-classification, summarization and translation; text-generation's own
documentation says the same) or refused. Sizes that depend on the request (how many labels
``top_k`` asks for, how many candidate labels) are left open in the default output schemas; a
size that depends on the model (feature-extraction's hidden size) is read off its config.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pyarrow as pa

InputKind = Literal["text", "image", "audio", "keywords"]
"""How the first input reaches the pipeline: as text, a PIL image, float32 samples; or, for
``keywords``, every input as a keyword argument (question-answering, stable diffusion)."""

IMAGE_SIZE = 100
"""Wallaroo's documented image input: 100 x 100 pixels of 3 ints (give another size in
--input-schema for other images; zero-shot-object-detection's is 480 x 640)."""

_IMAGE = pa.list_(pa.list_(pa.list_(pa.int64(), 3), IMAGE_SIZE), IMAGE_SIZE)
_PHOTO = pa.list_(pa.list_(pa.list_(pa.int64(), 3), 640), 480)
"""zero-shot-object-detection's documented input: 480 rows of 640 pixels."""
_SCORES = pa.list_(pa.float64())
_LABELS = pa.list_(pa.string())
_BOXES = pa.list_(pa.list_(pa.int64(), 4))
_CHUNK = pa.struct([("text", pa.string()), ("timestamp", pa.list_(pa.float32()))])
"""A transcribed word or character with its [start, end] seconds (speech recognition's
``chunks``, null unless the request sets ``return_timestamps``)."""

OutputSchema = Callable[[Mapping[str, Any]], pa.Schema]
"""The default output schema, given the pipeline's model config (its config.json)."""


@dataclass(frozen=True)
class Kind:
    """One ``hugging-face-<name>`` framework."""

    name: str
    task: str
    """The transformers pipeline task that serves it."""
    input_kind: InputKind
    required: Mapping[str, pa.DataType]
    optional: Mapping[str, pa.DataType] = field(default_factory=dict)
    forwards_extra: bool = False
    """Inputs beyond ``required`` and ``optional`` are passed to the pipeline call (which hands
    them to the model's ``generate``); otherwise an input schema naming one is refused."""
    outputs: OutputSchema = field(default=lambda config: pa.schema([]))
    output_names: tuple[str, ...] = ()
    """Every output column the kind can answer (the default schema may leave some out)."""
    library: str = "transformers"
    """The package whose pipeline serves it (``diffusers`` for stable diffusion)."""
    example: Mapping[str, Any] | None = None
    """Required inputs of a request row to show (text kinds only: an image or audio row is
    too long for a command line)."""

    def example_row(self, names: Sequence[str]) -> dict[str, Any] | None:
        """A request row of the columns ``names`` (the signature's): the example's values,
        null for the rest; None when the kind has no example or it misses one of them."""
        if self.example is None or not set(self.required) <= set(self.example):
            return None
        return {name: self.example.get(name) for name in names}

    @property
    def framework(self) -> str:
        return f"hugging-face-{self.name}"

    @property
    def main_input(self) -> str:
        """The input holding what the pipeline is called on."""
        return next(iter(self.required))

    def input_schema(self) -> pa.Schema:
        """Wallaroo's documented input schema for the kind (every field nullable, as
        ``pa.field`` makes them; a null optional input means the pipeline's default)."""
        return pa.schema([pa.field(n, t) for n, t in {**self.required, **self.optional}.items()])


def _fixed(schema: Sequence[tuple[str, Any]]) -> OutputSchema:
    return lambda config: pa.schema(schema)


def _features(config: Mapping[str, Any]) -> pa.Schema:
    """One vector of the model's hidden size per token, as Wallaroo's list_size=128 example."""
    size = config.get("hidden_size") or config.get("d_model")
    vector = pa.list_(pa.float64(), size) if isinstance(size, int) else pa.list_(pa.float64())
    return pa.schema([pa.field("output", pa.list_(vector))])


_CLASSIFIED = [("label", _LABELS), ("score", _SCORES)]
_DETECTED = [("score", _SCORES), ("label", _LABELS), ("box", _BOXES)]
_GENERATED = [("generated_text", _LABELS)]

_TEXT = {"inputs": "the quick brown fox jumps over the lazy dog"}

_TEXT_CLASSIFICATION = {
    "task": "text-classification",
    "input_kind": "text",
    "example": _TEXT,
    "required": {"inputs": pa.string()},
    "optional": {"top_k": pa.int64(), "function_to_apply": pa.string()},
    "forwards_extra": True,
    "outputs": _fixed(_CLASSIFIED),
    "output_names": ("label", "score"),
}

KINDS: dict[str, Kind] = {
    kind.framework: kind
    for kind in (
        Kind(
            "feature-extraction",
            "feature-extraction",
            "text",
            {"inputs": pa.string()},
            outputs=_features,
            example=_TEXT,
            output_names=("output",),
        ),
        Kind("text-classification", **_TEXT_CLASSIFICATION),  # type: ignore[arg-type]
        Kind("sentiment-analysis", **_TEXT_CLASSIFICATION),  # type: ignore[arg-type]
        Kind(
            "zero-shot-classification",
            "zero-shot-classification",
            "text",
            {"inputs": pa.string(), "candidate_labels": _LABELS},
            {"hypothesis_template": pa.string(), "multi_label": pa.bool_()},
            outputs=_fixed([("sequence", pa.string()), ("scores", _SCORES), ("labels", _LABELS)]),
            example={**_TEXT, "candidate_labels": ["animals", "weather"]},
            output_names=("sequence", "scores", "labels"),
        ),
        Kind(
            "summarization",
            "summarization",
            "text",
            {"inputs": pa.string()},
            {
                "return_text": pa.bool_(),
                "return_tensors": pa.bool_(),
                "clean_up_tokenization_spaces": pa.bool_(),
            },
            forwards_extra=True,
            outputs=_fixed([("summary_text", pa.string())]),
            example=_TEXT,
            output_names=("summary_text",),
        ),
        Kind(
            "translation",
            "translation",
            "text",
            {"inputs": pa.string()},
            {
                "return_tensors": pa.bool_(),
                "return_text": pa.bool_(),
                "clean_up_tokenization_spaces": pa.bool_(),
                "src_lang": pa.string(),
                "tgt_lang": pa.string(),
            },
            forwards_extra=True,
            outputs=_fixed([("translation_text", pa.string())]),
            example=_TEXT,
            output_names=("translation_text",),
        ),
        Kind(
            "text-generation",
            "text-generation",
            "text",
            {"inputs": pa.string()},
            {
                "return_tensors": pa.bool_(),
                "return_text": pa.bool_(),
                "return_full_text": pa.bool_(),
                "clean_up_tokenization_spaces": pa.bool_(),
                "prefix": pa.string(),
                "handle_long_generation": pa.string(),
            },
            forwards_extra=True,
            outputs=_fixed(_GENERATED),
            example={"inputs": "once upon a time"},
            output_names=("generated_text",),
        ),
        Kind(
            "question-answering",
            "question-answering",
            "keywords",
            {"question": pa.string(), "context": pa.string()},
            {
                "top_k": pa.int64(),
                "doc_stride": pa.int64(),
                "max_answer_len": pa.int64(),
                "max_seq_len": pa.int64(),
                "max_question_len": pa.int64(),
                "handle_impossible_answer": pa.bool_(),
                "align_to_words": pa.bool_(),
            },
            outputs=_fixed(
                [
                    ("score", pa.float64()),
                    ("start", pa.int64()),
                    ("end", pa.int64()),
                    ("answer", pa.string()),
                ]
            ),
            example={"question": "who jumps?", "context": _TEXT["inputs"]},
            output_names=("score", "start", "end", "answer"),
        ),
        Kind(
            "image-classification",
            "image-classification",
            "image",
            {"inputs": _IMAGE},
            {"top_k": pa.int64()},
            outputs=_fixed([("score", _SCORES), ("label", _LABELS)]),
            output_names=("score", "label"),
        ),
        Kind(
            "image-segmentation",
            "image-segmentation",
            "image",
            {"inputs": _IMAGE},
            {
                "threshold": pa.float64(),
                "mask_threshold": pa.float64(),
                "overlap_mask_area_threshold": pa.float64(),
            },
            outputs=_fixed(
                [
                    ("score", _SCORES),
                    ("label", _LABELS),
                    ("mask", pa.list_(pa.list_(pa.list_(pa.int64())))),
                ]
            ),
            output_names=("score", "label", "mask"),
        ),
        Kind(
            "image-to-text",
            "image-to-text",
            "image",
            {"inputs": _IMAGE},
            forwards_extra=True,
            outputs=_fixed(_GENERATED),
            output_names=("generated_text",),
        ),
        Kind(
            "object-detection",
            "object-detection",
            "image",
            {"inputs": _IMAGE},
            {"threshold": pa.float64()},
            outputs=_fixed(_DETECTED),
            output_names=("score", "label", "box"),
        ),
        Kind(
            "zero-shot-image-classification",
            "zero-shot-image-classification",
            "image",
            {"inputs": _IMAGE, "candidate_labels": _LABELS},
            {"hypothesis_template": pa.string()},
            outputs=_fixed([("score", _SCORES), ("label", _LABELS)]),
            output_names=("score", "label"),
        ),
        Kind(
            "zero-shot-object-detection",
            "zero-shot-object-detection",
            "image",
            {"images": _PHOTO, "candidate_labels": _LABELS},
            {"threshold": pa.float64()},
            outputs=_fixed(_DETECTED),
            output_names=("score", "label", "box"),
        ),
        Kind(
            "stable-diffusion-text-2-img",
            "text-to-image",
            "keywords",
            {"prompt": pa.string()},
            {
                "height": pa.int64(),
                "width": pa.int64(),
                "num_inference_steps": pa.int64(),
                "guidance_scale": pa.float64(),
                "negative_prompt": pa.string(),
                "num_images_per_prompt": pa.int64(),
                "eta": pa.float64(),
            },
            outputs=_fixed([("images", pa.list_(pa.list_(pa.list_(pa.int64(), 3))))]),
            output_names=("images",),
            library="diffusers",
            example={"prompt": "a lighthouse at dawn"},
        ),
        Kind(
            "automatic-speech-recognition",
            "automatic-speech-recognition",
            "audio",
            {"inputs": pa.list_(pa.float32())},
            {"return_timestamps": pa.string()},
            outputs=_fixed([("text", pa.string()), ("chunks", pa.list_(_CHUNK))]),
            output_names=("text", "chunks"),
        ),
    )
}
"""Every Hugging Face framework modelport serves, by its Wallaroo name."""


def kind_of(framework: str) -> Kind | None:
    """The kind of a ``hugging-face-*`` framework name; None for any other framework."""
    return KINDS.get(framework)
