"""ONNX models, served by onnxruntime: one column per graph input and output.

Inputs take the graph's names, or those of ``tensor_fields`` (Wallaroo's
``model.configure(tensor_fields=["tensor"])``: the column feeding each graph input, in the
graph's order); outputs take the graph's names, or an output schema's in order (Wallaroo's
``out.<name>`` columns follow it). A dimension the graph leaves open (``None``, ``"batch"``)
makes a list of any length, filled from equal-length rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from modelport.batch import Batch
from modelport.errors import ConfigError
from modelport.formats.wallaroo.data_rules import as_tensor, check_output
from modelport.schema import Field, Signature
from modelport.servable import Servable

_TYPES = {
    "tensor(float)": "float32",
    "tensor(double)": "float64",
    "tensor(int64)": "int64",
    "tensor(int32)": "int32",
    "tensor(bool)": "bool",
    "tensor(string)": "string",
}


def open_session(path: Path, *, threads: int | None = None) -> Any:
    """An onnxruntime session on the model file; ConfigError when onnxruntime is absent.

    ``threads`` bounds its intra-op pool (inter-op work runs on the calling thread, and the
    pool's threads sleep between runs rather than spin on cores the server's HTTP loop needs;
    one thread makes no pool at all, which is also what a forked worker needs: a pool's
    threads do not survive the fork); None keeps onnxruntime's default, a thread per core."""
    try:
        import onnxruntime
    except ImportError as exc:
        raise ConfigError(
            "serving ONNX models needs onnxruntime",
            hint="install modelport with the onnx extra: pip install 'modelport[onnx]'",
        ) from exc
    options = onnxruntime.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        return onnxruntime.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:
        raise ConfigError(
            f"{path.name} is not an ONNX model onnxruntime can load ({exc})",
            field=path.name,
        ) from exc


def graph_signature(
    session: Any,
    input_schema: pa.Schema | None = None,
    output_schema: pa.Schema | None = None,
    tensor_fields: Sequence[str] | None = None,
) -> Signature:
    """The model's signature read off its graph (inputs renamed by ``tensor_fields``, outputs
    by ``output_schema``); an ``input_schema`` must name the inputs so named."""
    inputs = [_field(node) for node in session.get_inputs()]
    outputs = [_field(node) for node in session.get_outputs()]
    if tensor_fields is not None:
        if len(tensor_fields) != len(inputs):
            raise ConfigError(
                f"tensor_fields names {len(tensor_fields)} columns, the ONNX graph takes "
                f"{len(inputs)} inputs ({', '.join(f.name for f in inputs)})",
                hint="name one column per graph input, in the graph's order",
                field="tensor_fields",
            )
        inputs = [replace(f, name=name) for f, name in zip(inputs, tensor_fields, strict=True)]
    graph_names = sorted(f.name for f in inputs)
    if input_schema is not None and sorted(input_schema.names) != graph_names:
        raise ConfigError(
            f"the input schema names {input_schema.names}, the ONNX graph takes {graph_names}",
            hint="name the input columns as the graph's inputs, or as its tensor_fields (or "
            "leave the input schema out: it is read off the graph)",
            field="input_schema",
        )
    if output_schema is not None:
        if len(output_schema) != len(outputs):
            raise ConfigError(
                f"the output schema names {len(output_schema)} outputs, the ONNX graph has "
                f"{len(outputs)} ({', '.join(f.name for f in outputs)})",
                field="output_schema",
            )
        outputs = [Field.from_arrow(f) for f in output_schema]
    return Signature(inputs, outputs)


def _field(node: Any) -> Field:
    element = _TYPES.get(node.type)
    if element is None:
        raise ConfigError(
            f"ONNX {node.name!r} has type {node.type}, which is not a tensor modelport serves",
            hint="convert with skl2onnx options={'zipmap': False} so outputs are tensors",
            field=node.name,
        )
    dims = list(node.shape[1:])
    if all(isinstance(d, int) and d > 0 for d in dims):
        return Field(node.name, element, shape=tuple(dims) or None)
    arrow_type = Field("element", element).arrow_type
    for _ in dims:
        arrow_type = pa.list_(arrow_type)
    return Field.from_arrow(pa.field(node.name, arrow_type))


class OnnxServable(Servable):
    """Serves an ONNX graph; each graph input is fed the column of its name or tensor field."""

    def __init__(
        self, path: Path, *, name: str, signature: Signature, metadata: dict[str, Any]
    ) -> None:
        self.path = path
        self.name = name
        self.signature = signature
        self.metadata = metadata
        self.session: Any = None
        self._feeds: list[tuple[str, str, np.dtype[Any]]] = []
        self._output_schema = signature.output_schema

    def load(self) -> None:
        self.session = open_session(self.path, threads=self.kernel_threads)
        nodes = self.session.get_inputs()
        columns = self.metadata.get("tensor_fields") or [node.name for node in nodes]
        self._feeds = [
            (
                node.name,
                column,
                np.dtype(object if _TYPES[node.type] == "string" else _TYPES[node.type]),
            )
            for node, column in zip(nodes, columns, strict=True)
        ]

    def predict(self, batch: Batch) -> pa.Table:
        return self.run(batch.columns(), rows=batch.num_rows)

    def run(self, columns: Mapping[str, np.ndarray], *, rows: int) -> pa.Table:
        """The graph's answer to ``columns`` as a table of the output schema's columns (the
        graph outputs ``graph_outputs`` names, when a converted model serves fewer than its
        graph gives, each shaped as its field)."""
        feed = {
            name: as_tensor(columns[column], dtype, column) for name, column, dtype in self._feeds
        }
        results = self.session.run(self.metadata.get("graph_outputs"), feed)
        fields = self.signature.outputs
        return check_output(
            {f.name: _shaped(r, f, rows) for f, r in zip(fields, results, strict=True)},
            rows=rows,
            schema=self._output_schema,
        )


def _shaped(result: np.ndarray, field: Field, rows: int) -> np.ndarray:
    """A graph output in its field's shape where only the layout differs (a regressor's
    ``[rows, 1]`` for a scalar column); anything else as it is, for check_output to judge."""
    shape = (rows, *(field.shape or ()))
    if result.shape != shape and result.size == int(np.prod(shape)):
        return result.reshape(shape)
    return result
