"""PyTorch models uploaded as TorchScript files (``torch.jit.save``), in Wallaroo's convention.

Each column of the input schema is one tensor, rows first, handed to the module's ``forward``
as a positional argument in the schema's order (a float32 column as a float32 tensor: Wallaroo
asks for ``pa.float32()`` inputs). The module answers one tensor, or a tuple or list of them, or
a dict by name: one per column of the output schema, in its order, each with one row per input
row. Both schemas are required, as Wallaroo requires them of PyTorch uploads.

A file saved with ``torch.save`` (a pickled ``nn.Module`` or a state dict) holds Python classes
rather than TorchScript code: it is refused at build, naming ``torch.jit.save``.
"""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from modelport.batch import Batch
from modelport.errors import ConfigError, ModelFailed
from modelport.formats.wallaroo.data_rules import as_tensor, check_output
from modelport.schema import Field, Signature
from modelport.servable import Servable

SUFFIXES = (".pt", ".pth", ".ot")
"""What Wallaroo accepts as TorchScript files."""
SAMPLE_ROWS = 16
"""Rows of the batch a build runs the module on, generated from the input schema."""

_SAVE_HINT = (
    "save the model as TorchScript: torch.jit.save(torch.jit.script(model), 'model.pt') "
    "(or torch.jit.trace(model, example) for a module scripting cannot compile)"
)


def load_module(path: Path) -> Any:
    """The TorchScript module in ``path``, in evaluation mode, on the CPU; ConfigError naming
    ``torch.jit.save`` for a file ``torch.save`` wrote."""
    try:
        import torch
    except ImportError as exc:
        raise ConfigError(
            "serving PyTorch models needs torch in the model's environment",
            hint="install modelport with the torch extra: pip install 'modelport[torch]'",
        ) from exc
    if not _is_torchscript(path):
        raise ConfigError(
            f"{path.name} is not a TorchScript file: it was saved with torch.save (a pickled "
            "nn.Module or state dict), which needs the model's Python classes to load",
            hint=_SAVE_HINT,
            field=path.name,
        )
    try:
        with warnings.catch_warnings():  # torch 2.13 deprecates TorchScript, Wallaroo's format
            warnings.simplefilter("ignore", DeprecationWarning)
            module = torch.jit.load(str(path), map_location="cpu")  # type: ignore[no-untyped-call,unused-ignore]
    except Exception as exc:
        raise ConfigError(
            f"{path.name} cannot be loaded by torch.jit.load ({type(exc).__name__}: {exc})",
            hint=_SAVE_HINT,
            field=path.name,
        ) from exc
    module.eval()
    return module


def _is_torchscript(path: Path) -> bool:
    """A zip archive holding compiled code (``*/code/``), as ``torch.jit.save`` writes; what
    ``torch.save`` writes holds only pickled data (``*/data.pkl``), or is a bare pickle."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any("/code/" in name for name in archive.namelist())


def check_signature(signature: Signature) -> None:
    """Every column is a tensor of numbers or booleans: what a TorchScript module takes."""
    for side, fields in (("input_schema", signature.inputs), ("output_schema", signature.outputs)):
        for field in fields:
            if not (
                pa.types.is_integer(field.type)
                or pa.types.is_floating(field.type)
                or pa.types.is_boolean(field.type)
            ):
                raise ConfigError(
                    f"{field.name!r} is of type {field.type}; a PyTorch model's columns are "
                    "tensors of numbers",
                    hint="declare it as pa.float32() or a (fixed-size) list of them",
                    field=side,
                )


def check_module(module: Any, signature: Signature, path: Path) -> None:
    """Run ``module`` on a batch generated from the input schema: ConfigError when it fails or
    answers other columns or row counts than the output schema says."""
    batch = sample_inputs(signature.inputs)
    try:
        run_module(module, batch, signature)
    except ModelFailed as exc:
        raise ConfigError(
            f"{path.name} does not answer as the output schema says: {exc.message}",
            hint="give an output schema with one column per tensor the module returns, in order",
            field="output_schema",
        ) from exc
    except Exception as exc:
        raise ConfigError(
            f"{path.name} failed on a batch of {SAMPLE_ROWS} rows of the input schema "
            f"({type(exc).__name__}: {str(exc).strip().splitlines()[-1]})",
            hint="give an input schema with one column per forward() argument, of the dtype "
            "and shape the module takes (pa.float32() for float weights)",
            field="input_schema",
        ) from exc


def sample_inputs(fields: Sequence[Field]) -> dict[str, np.ndarray]:
    """A few rows of each input column, random but repeatable (lists of open size hold 4)."""
    rng = np.random.default_rng(0)
    columns = {}
    for field in fields:
        shape = (SAMPLE_ROWS, *(field.shape or ()), *_open_dims(field.type))
        dtype = np.dtype(_element_type(field.type).to_pandas_dtype())
        if dtype.kind == "f":
            columns[field.name] = rng.standard_normal(shape).astype(dtype)
        elif dtype.kind == "b":
            columns[field.name] = rng.integers(0, 2, shape).astype(bool)
        else:
            columns[field.name] = rng.integers(0, 10, shape).astype(dtype)
    return columns


def run_module(module: Any, columns: Mapping[str, np.ndarray], signature: Signature) -> pa.Table:
    """The module's answer to ``columns`` as a table of the output schema's columns."""
    import torch

    rows = len(next(iter(columns.values())))
    tensors = [
        torch.from_numpy(_writable(as_tensor(columns[f.name], _dtype(f), f.name)))
        for f in signature.inputs
    ]
    with torch.inference_mode():
        answer = module(*tensors)
    names = [f.name for f in signature.outputs]
    return check_output(_by_name(answer, names), rows=rows, schema=signature.output_schema)


def _writable(array: np.ndarray) -> np.ndarray:
    """The array as torch may share it: contiguous and writable (a column Arrow decoded is
    read-only, and torch warns on those), copied only when it is not."""
    if array.flags.c_contiguous and array.flags.writeable:
        return array
    return np.array(array, order="C", copy=True)


def _by_name(answer: Any, names: list[str]) -> dict[str, np.ndarray]:
    import torch

    if isinstance(answer, torch.Tensor):
        answer = [answer]
    if isinstance(answer, Mapping):
        return {str(k): _array(v, str(k)) for k, v in answer.items()}
    if isinstance(answer, list | tuple):
        if len(answer) != len(names):
            raise ModelFailed(
                f"the module returned {len(answer)} tensors; the output schema names "
                f"{len(names)} ({', '.join(names)})",
                hint="return one tensor per output column, in the output schema's order",
            )
        return {name: _array(value, name) for name, value in zip(names, answer, strict=True)}
    raise ModelFailed(
        f"the module returned {type(answer).__name__}, not a tensor, a tuple of tensors or a "
        "dict of them",
        hint="return torch tensors from forward()",
    )


def _array(value: Any, name: str) -> np.ndarray:
    import torch

    if not isinstance(value, torch.Tensor):
        raise ModelFailed(f"output {name!r} is a {type(value).__name__}, not a tensor", field=name)
    array: np.ndarray = value.detach().cpu().numpy()
    return array


def _element_type(arrow_type: pa.DataType) -> pa.DataType:
    while pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        arrow_type = arrow_type.value_type
    return arrow_type


def _open_dims(arrow_type: pa.DataType) -> tuple[int, ...]:
    dims: tuple[int, ...] = ()
    while pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        dims, arrow_type = (*dims, 4), arrow_type.value_type
    return dims


def _dtype(field: Field) -> np.dtype[Any]:
    return np.dtype(_element_type(field.type).to_pandas_dtype())


class TorchServable(Servable):
    """Serves a TorchScript module: one tensor per input column, one column per output."""

    threaded_framework = True  # torch, imported by load: one process by default

    def __init__(
        self, path: Path, *, name: str, signature: Signature, metadata: dict[str, Any]
    ) -> None:
        self.path = path
        self.name = name
        self.signature = signature
        self.metadata = metadata
        self.module: Any = None

    def load(self) -> None:
        self.module = load_module(self.path)

    def predict(self, batch: Batch) -> pa.Table:
        return run_module(self.module, batch.columns(), self.signature)
