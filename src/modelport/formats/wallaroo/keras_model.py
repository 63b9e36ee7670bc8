"""Keras models (``.keras``, ``.h5``) and TensorFlow SavedModel zips, in Wallaroo's convention.

As for PyTorch (``torch_model``), each column of the input schema is one tensor, rows first: a
Keras model gets them as its inputs in the schema's order (one alone as itself); a SavedModel's
``serving_default`` signature gets them by its input names, the columns' own when they match,
else in the signature's order. The answer (a tensor, a list, or a dict by name) gives one column
per output of the output schema, by name where a dict's keys match, else in order. Both schemas
are required, as Wallaroo requires them.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from modelport.batch import Batch
from modelport.errors import ConfigError, ModelFailed
from modelport.formats.wallaroo.data_rules import as_tensor, check_output
from modelport.schema import Field, Signature
from modelport.servable import Servable

KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")
SAVED_MODEL = "saved_model.pb"
SIGNATURE = "serving_default"

Call = Callable[[list[np.ndarray]], Any]
"""A loaded model: the input tensors in the schema's order -> its answer."""


def is_saved_model_zip(path: Path) -> bool:
    """A zip whose one top folder holds a SavedModel (``saved_model.pb``) and no Python module
    (that is a BYOP model carrying one), read, not run."""
    with zipfile.ZipFile(path) as archive:
        top = [n for n in archive.namelist() if len(n.strip("/").split("/")) == 2]
    return any(n.endswith("/" + SAVED_MODEL) for n in top) and not any(
        n.endswith(".py") for n in top
    )


def is_saved_model_folder(folder: Path) -> bool:
    """An unzipped upload that is a SavedModel: ``saved_model.pb`` and no Python module."""
    return (folder / SAVED_MODEL).is_file() and not any(folder.glob("*.py"))


def load_model(path: Path, signature: Signature) -> Call:
    """The Keras file or SavedModel folder at ``path`` as a call on the input tensors."""
    try:
        if path.is_dir():
            return _saved_model(path, signature)
        return _keras(path)
    except ImportError as exc:
        raise ConfigError(
            f"serving {path.name} needs TensorFlow in the model's environment ({exc})",
            hint="install modelport with the tensorflow extra: pip install 'modelport[tensorflow]'",
        ) from exc


def _keras(path: Path) -> Call:
    import keras

    try:
        model = keras.models.load_model(str(path), compile=False)
    except Exception as exc:
        raise ConfigError(
            f"{path.name} cannot be loaded by keras.models.load_model "
            f"({type(exc).__name__}: {str(exc).strip().splitlines()[0][:300]})",
            hint="save the model with model.save('model.keras') (or 'model.h5')",
            field=path.name,
        ) from exc

    def call(tensors: list[np.ndarray]) -> Any:
        return model(tensors[0] if len(tensors) == 1 else tensors, training=False)

    return call


def _saved_model(folder: Path, signature: Signature) -> Call:
    import tensorflow as tf

    try:
        loaded = tf.saved_model.load(str(folder))
        serving = loaded.signatures[SIGNATURE]
    except Exception as exc:
        raise ConfigError(
            f"{folder.name} holds no SavedModel with a {SIGNATURE!r} signature "
            f"({type(exc).__name__}: {str(exc).strip().splitlines()[0][:300]})",
            hint="save it with tf.saved_model.save(module, folder, signatures=...) or Keras' "
            "model.export(folder), then zip the folder",
            field=folder.name,
        ) from exc
    names = list(serving.structured_input_signature[1])
    columns = [f.name for f in signature.inputs]
    if sorted(names) == sorted(columns):
        names = columns
    elif len(names) != len(columns):
        raise ConfigError(
            f"the SavedModel's {SIGNATURE} takes {len(names)} inputs ({', '.join(names)}), "
            f"the input schema names {len(columns)}",
            hint="give one input column per signature input, named as them or in their order",
            field="input_schema",
        )

    def call(tensors: list[np.ndarray], owner: Any = loaded) -> Any:
        """``owner``: the loaded object, kept alive as long as its signature is called."""
        return serving(
            **{name: tf.convert_to_tensor(t) for name, t in zip(names, tensors, strict=True)}
        )

    return call


def check_model(model: Call, signature: Signature, name: str) -> None:
    """Run the model on a batch generated from the input schema (``torch_model`` does the same)."""
    from modelport.formats.wallaroo.torch_model import SAMPLE_ROWS, sample_inputs

    try:
        run_model(model, sample_inputs(signature.inputs), signature)
    except ModelFailed as exc:
        raise ConfigError(
            f"{name} does not answer as the output schema says: {exc.message}",
            hint="give an output schema with one column per output of the model, in order",
            field="output_schema",
        ) from exc
    except Exception as exc:
        raise ConfigError(
            f"{name} failed on a batch of {SAMPLE_ROWS} rows of the input schema "
            f"({type(exc).__name__}: {str(exc).strip().splitlines()[0][:300]})",
            hint="give an input schema with one column per model input, of its dtype and shape",
            field="input_schema",
        ) from exc


def run_model(model: Call, columns: Mapping[str, np.ndarray], signature: Signature) -> pa.Table:
    """The model's answer to ``columns`` as a table of the output schema's columns."""
    rows = len(next(iter(columns.values())))
    tensors = [as_tensor(columns[f.name], column_dtype(f), f.name) for f in signature.inputs]
    answer = outputs_by_name(model(tensors), [f.name for f in signature.outputs])
    columns = {name: _array(value) for name, value in answer.items()}
    return check_output(columns, rows=rows, schema=signature.output_schema)


def outputs_by_name(answer: Any, names: Sequence[str]) -> dict[str, Any]:
    """The model's answer (tensors, not converted) as one value per output column: by name
    where a dict's keys match, else in order."""
    if isinstance(answer, Mapping):
        keys = list(answer)
        if not set(names) <= set(keys):
            keys = sorted(keys)
            answer = {name: answer[key] for name, key in zip(names, keys, strict=False)}
        else:
            answer = {name: answer[name] for name in names}
        if len(answer) != len(names):
            raise ModelFailed(
                f"the model answered {len(keys)} outputs ({', '.join(map(str, keys))}); the "
                f"output schema names {len(names)} ({', '.join(names)})",
                hint="name the output columns as the model's outputs",
            )
        return dict(answer)
    values = list(answer) if isinstance(answer, list | tuple) else [answer]
    if len(values) != len(names):
        raise ModelFailed(
            f"the model answered {len(values)} outputs; the output schema names {len(names)} "
            f"({', '.join(names)})",
            hint="give one output column per model output, in order",
        )
    return dict(zip(names, values, strict=True))


def _array(value: Any) -> np.ndarray:
    """A TensorFlow tensor as numpy (``.numpy()``: numpy's own conversion warns on them)."""
    array: np.ndarray = value.numpy() if hasattr(value, "numpy") else np.asarray(value)
    return array


def column_dtype(field: Field) -> np.dtype[Any]:
    """The numpy type of the column's elements (a list column's innermost)."""
    element = field.type
    while pa.types.is_list(element) or pa.types.is_large_list(element):
        element = element.value_type
    dtype: np.dtype[Any] = np.dtype(element.to_pandas_dtype())
    return dtype


class KerasServable(Servable):
    """Serves a Keras file or a SavedModel folder: one tensor per input column."""

    threaded_framework = True  # TensorFlow, imported by load: one process by default

    def __init__(
        self, path: Path, *, name: str, signature: Signature, metadata: dict[str, Any]
    ) -> None:
        self.path = path
        self.name = name
        self.signature = signature
        self.metadata = metadata
        self.model: Call | None = None

    def load(self) -> None:
        self.model = load_model(self.path, self.signature)

    def predict(self, batch: Batch) -> pa.Table:
        assert self.model is not None, "predict before load"
        return run_model(self.model, batch.columns(), self.signature)
