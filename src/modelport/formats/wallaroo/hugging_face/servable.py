"""Serving a saved Hugging Face pipeline: transformers' own ``pipeline`` on the unzipped folder,
called once per request: on the list of the rows' first inputs, the rows that share their other
inputs together (one call for a batch of texts with the same options). The pipeline still runs
its inputs one at a time (transformers' default batch size of 1: no padding), so each row is
answered exactly as it would be alone. Kinds whose pipeline reads a list otherwise (keyword
kinds: question-answering, stable diffusion; zero-shot-object-detection) are called per row.

The pipeline's errors on a row's values (a ``ValueError``, or any error naming one of the row's
inputs: an extra input ``generate`` does not take) are the request's fault and answered as such
(400), naming the input; other errors are the model's (500).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import threading
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from modelport.batch import Batch
from modelport.errors import ConfigError, InvalidInput
from modelport.formats.wallaroo.data_rules import check_output
from modelport.formats.wallaroo.hugging_face.answers import answer_columns
from modelport.formats.wallaroo.hugging_face.inputs import call_arguments, chunking
from modelport.formats.wallaroo.hugging_face.kinds import Kind, kind_of
from modelport.formats.wallaroo.hugging_face.signature import model_config
from modelport.schema import Signature
from modelport.servable import Servable

INSTALL_HINT = (
    "install transformers (below 5, which dropped several of these pipelines) and torch where "
    "the model runs: pip install 'modelport[huggingface]' torch, with --env inherit; or name "
    "them in a requirements.txt in the zip's folder"
)


def check_installed(kind: Kind) -> None:
    """At build, where the model will run: the packages serving it imports are there (looked
    up, not imported: importing torch takes seconds), transformers in a major version with
    every pipeline of Wallaroo's list."""
    needed = {"transformers": "transformers", "torch": "torch"}
    if kind.library == "diffusers":
        needed["diffusers"] = "diffusers"
    if kind.input_kind == "image":
        needed["PIL"] = "pillow"
    missing = [dist for module, dist in needed.items() if importlib.util.find_spec(module) is None]
    if missing:
        raise ConfigError(
            f"serving a {kind.framework} model needs {' and '.join(missing)}, which the "
            "model's environment does not have",
            hint=INSTALL_HINT,
            field="framework",
        )
    version = importlib.metadata.version("transformers")
    if not version.startswith("4."):
        raise ConfigError(
            f"transformers {version} is installed; modelport serves Hugging Face pipelines with "
            "transformers 4 (transformers 5 has no summarization, translation, "
            "question-answering or image-to-text pipeline)",
            hint=INSTALL_HINT,
            field="framework",
        )


def framework_kind(framework: str) -> Kind:
    """The kind of a ``hugging-face-*`` framework modelport serves."""
    kind = kind_of(framework)
    if kind is None:
        raise ConfigError(f"{framework} is not a Hugging Face framework", field="framework")
    return kind


def open_pipeline(folder: Path, kind: Kind, *, upload: str) -> Any:
    """The saved pipeline in ``folder``, loaded for CPU as the kind's task."""
    model_config(folder, upload, library=kind.library)
    if kind.library == "diffusers":
        return _open_diffusers(folder, kind, upload=upload)
    # A pipeline runs on PyTorch. With TensorFlow also installed (Keras 3), transformers 4
    # would try its TensorFlow classes and fail to import them: it is told not to look.
    os.environ.setdefault("USE_TF", "0")
    try:
        transformers: Any = importlib.import_module("transformers")  # untyped: optional
    except ImportError as exc:
        raise ConfigError(
            f"serving a {kind.framework} model needs the transformers package", hint=INSTALL_HINT
        ) from exc
    if kind.task not in transformers.pipelines.SUPPORTED_TASKS:
        raise ConfigError(
            f"transformers {transformers.__version__} has no {kind.task} pipeline",
            hint=INSTALL_HINT,
        )
    try:
        with warnings.catch_warnings():
            # Wallaroo's framework names no language pair; transformers warns it takes the
            # model's own (task_specific_params), which is what is meant. Its notices of its own
            # coming changes (FutureWarning) are not the model's to act on.
            warnings.filterwarnings("ignore", message='"translation" task was used')
            warnings.filterwarnings("ignore", category=FutureWarning)
            return transformers.pipeline(kind.task, model=str(folder), device="cpu", framework="pt")
    except Exception as exc:
        raise ConfigError(
            f"{upload} is not a saved {kind.task} pipeline transformers can load "
            f"({type(exc).__name__}: {exc})",
            hint="save it with transformers.pipeline(...).save_pretrained(folder), model, "
            "tokenizer and processors together",
            field=upload,
        ) from exc


def _open_diffusers(folder: Path, kind: Kind, *, upload: str) -> Any:
    try:
        diffusers: Any = importlib.import_module("diffusers")  # untyped: optional
    except ImportError as exc:
        raise ConfigError(
            f"serving a {kind.framework} model needs the diffusers package", hint=INSTALL_HINT
        ) from exc
    try:
        with warnings.catch_warnings():  # diffusers' notices of its own coming changes
            warnings.filterwarnings("ignore", category=FutureWarning)
            pipeline = diffusers.DiffusionPipeline.from_pretrained(str(folder))
    except Exception as exc:
        raise ConfigError(
            f"{upload} is not a saved diffusers pipeline diffusers can load "
            f"({type(exc).__name__}: {exc})",
            hint="save it with pipeline.save_pretrained(folder)",
            field=upload,
        ) from exc
    pipeline.set_progress_bar_config(disable=True)  # no bar per request in the server's log
    return _ImagesAsArrays(pipeline)


class _ImagesAsArrays:
    """A diffusers pipeline answering arrays (``output_type="np"``), not PIL images."""

    def __init__(self, pipeline: Any) -> None:
        self.pipeline = pipeline

    def __call__(self, **kwargs: Any) -> Any:
        return self.pipeline(**kwargs, output_type="np")


class HuggingFaceServable(Servable):
    """A saved pipeline, answering each request row with the kind's output columns."""

    batches_rows = False  # the pipeline runs its inputs one at a time: merging saves little
    threaded_framework = True  # torch, imported by load

    def __init__(
        self, folder: Path, *, name: str, signature: Signature, metadata: dict[str, Any]
    ) -> None:
        self.folder = folder
        self.name = name
        self.signature = signature
        self.metadata = metadata
        self.kind = framework_kind(str(metadata["framework"]))
        self.pipeline: Any = None
        self._output_schema: pa.Schema = signature.output_schema
        example = self.kind.example_row([f.name for f in signature.inputs])
        self.example = [example] if example else None
        self._lock = threading.Lock()

    def load(self) -> None:
        self.pipeline = open_pipeline(self.folder, self.kind, upload=self.name)

    def predict(self, batch: Batch) -> pa.Table:
        calls = [self._arguments(row, index) for index, row in enumerate(batch.records())]
        results: list[Any] = [None] * len(calls)
        if _takes_lists(self.kind):
            for rows in _sharing_options(calls):
                for index, result in zip(rows, self._call_together(calls, rows), strict=True):
                    results[index] = result
        else:
            results = [self._call(*call, index) for index, call in enumerate(calls)]
        answers = [answer_columns(self.kind, result, self._output_schema) for result in results]
        columns = {name: [answer[name] for answer in answers] for name in self._output_schema.names}
        return check_output(columns, rows=batch.num_rows, schema=self._output_schema)

    def _arguments(self, row: Mapping[str, Any], index: int) -> tuple[Any, dict[str, Any]]:
        first, kwargs = call_arguments(self.kind, row, index)
        if self.kind.input_kind == "audio":
            kwargs |= chunking(self.pipeline, first)
        return first, kwargs

    def _call_together(self, calls: list[tuple[Any, dict[str, Any]]], rows: list[int]) -> list[Any]:
        """The pipeline's answers to ``rows`` (which share their options), from one call on
        the list of their first inputs; from a call per row when that call fails, so the error
        names the row, or when the answer is not one per input."""
        if len(rows) > 1:
            kwargs = calls[rows[0]][1]
            try:
                with self._lock:  # a pipeline keeps per-call state on itself
                    results = self.pipeline([calls[index][0] for index in rows], **kwargs)
            except (ValueError, TypeError, KeyError):
                results = None
            if isinstance(results, list) and len(results) == len(rows):
                return results
        return [self._call(*calls[index], index) for index in rows]

    def _call(self, first: Any, kwargs: dict[str, Any], index: int) -> Any:
        """The pipeline's answer to row ``index`` alone."""
        try:
            with self._lock:
                return self.pipeline(**kwargs) if first is None else self.pipeline(first, **kwargs)
        except (ValueError, TypeError, KeyError) as exc:
            named = [name for name in kwargs if _names(str(exc), name)]
            if not named and not isinstance(exc, ValueError):
                raise  # the model's own fault: a 500
            raise _refused(self.kind, named, index, exc) from exc


def _takes_lists(kind: Kind) -> bool:
    """Whether the kind's pipeline answers a list of first inputs with one answer each: not
    the keyword kinds (question-answering reads a list as one input's dicts, diffusers makes
    images per prompt), nor zero-shot-object-detection, which reads a list as dicts of image
    and labels."""
    return kind.input_kind != "keywords" and kind.task != "zero-shot-object-detection"


def _sharing_options(calls: list[tuple[Any, dict[str, Any]]]) -> list[list[int]]:
    """The rows of ``calls`` grouped by their keyword arguments (equal ones together), in
    order of first appearance."""
    groups: list[tuple[dict[str, Any], list[int]]] = []
    for index, (_, kwargs) in enumerate(calls):
        for options, rows in groups:
            if options == kwargs:
                rows.append(index)
                break
        else:
            groups.append((kwargs, [index]))
    return [rows for _, rows in groups]


def _names(text: str, name: str) -> bool:
    """Whether a pipeline's error message names the input ``name`` (quoted, or as
    ``name=...`` in backticks)."""
    return any(form in text for form in (f"'{name}'", f"`{name}`", f"`{name}="))


def _refused(kind: Kind, named: list[str], index: int, exc: Exception) -> InvalidInput:
    """The pipeline's error on row ``index``, naming the input it mentions (else the first)."""
    text = str(exc)
    field = named[0] if named else kind.main_input
    forwarded = " (inputs beyond the documented ones go to the model's generate)"
    return InvalidInput(
        f"the {kind.task} pipeline refused row {index} (input {field!r}): "
        f"{type(exc).__name__}: {text}",
        hint="send values and inputs the model takes" + (forwarded if kind.forwards_extra else ""),
        field=field,
    )
