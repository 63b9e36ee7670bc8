"""Framework models converted to ONNX at build: PyTorch with ``torch.onnx`` (its TorchScript
exporter), scikit-learn with skl2onnx, XGBoost with onnxmltools, Keras and TensorFlow with
tf2onnx, at opset 17 (what Wallaroo's converters target). Each converter writes the graph to
``dest`` and answers the names of the graph outputs that give the model's output columns, in the
output schema's order; anything it cannot do raises, and the caller says why the framework's own
runtime serves instead."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from modelport.schema import Field, Signature

OPSET = 17
"""The ONNX opset of converted models (onnxconverter-common's DEFAULT_OPSET_NUMBER in Wallaroo)."""
ML_OPSET = 3
"""The ai.onnx.ml opset of converted scikit-learn models."""
XGB_OPSET = 15
"""The highest opset onnxmltools converts XGBoost models to (with onnx 1.23: 15, not 17)."""


def torch_to_onnx(
    module: Any, signature: Signature, sample: Mapping[str, np.ndarray], dest: Path
) -> list[str]:
    """A TorchScript module traced on ``sample`` into an ONNX graph whose inputs and outputs
    take the schema's names, rows left open."""
    import torch

    args = tuple(torch.from_numpy(np.array(sample[f.name])) for f in signature.inputs)
    inputs = [f.name for f in signature.inputs]
    outputs = [f.name for f in signature.outputs]
    with warnings.catch_warnings():  # the exporter warns of TorchScript's deprecation and more
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            args,
            str(dest),
            dynamo=False,  # the TorchScript exporter: the one that takes a ScriptModule
            input_names=inputs,
            output_names=outputs,
            dynamic_axes={name: {0: "rows"} for name in (*inputs, *outputs)},
            opset_version=OPSET,
        )
    return outputs


def tensorflow_to_onnx(
    model: Callable[[list[Any]], Any],
    signature: Signature,
    sample: Mapping[str, np.ndarray],
    dest: Path,
) -> list[str]:
    """A Keras model or SavedModel signature (``keras_model.load_model``'s call) traced by
    TensorFlow on tensors of the schema's types, rows and open list sizes left open, and
    converted by tf2onnx; the graph's inputs take the schema's names, its outputs come in the
    output schema's order."""
    import tensorflow as tf
    import tf2onnx

    from modelport.formats.wallaroo.keras_model import column_dtype, outputs_by_name

    specs = [
        tf.TensorSpec(_open_shape(field, sample[field.name]), column_dtype(field), name=field.name)
        for field in signature.inputs
    ]
    names = [f.name for f in signature.outputs]

    @tf.function(input_signature=specs)  # type: ignore[untyped-decorator]
    def traced(*tensors: Any) -> tuple[Any, ...]:
        answer = outputs_by_name(model(list(tensors)), names)
        return tuple(answer[name] for name in names)

    with warnings.catch_warnings():  # tf2onnx's use of numpy names numpy 2 deprecates
        warnings.simplefilter("ignore")
        graph, _ = tf2onnx.convert.from_function(
            traced, input_signature=specs, opset=OPSET, output_path=str(dest)
        )
    unconverted = sorted({node.op_type for node in graph.graph.node if not _known_op(node)})
    if unconverted:  # tf2onnx logs them and writes a graph onnxruntime cannot load
        raise ValueError(f"tf2onnx has no ONNX operator for TensorFlow's {', '.join(unconverted)}")
    return [output.name for output in graph.graph.output]


def _known_op(node: Any) -> bool:
    """An operator of ONNX's own domain that ONNX defines (another domain's, such as
    onnxruntime's contrib operators, is left for onnxruntime to load)."""
    import onnx.defs

    return node.domain not in ("", "ai.onnx") or bool(onnx.defs.has(node.op_type))


def _open_shape(field: Field, column: np.ndarray) -> tuple[int | None, ...]:
    """A column's tensor shape with rows, and list sizes the schema leaves open, as None."""
    fixed = tuple(field.shape or ())
    return (None, *fixed, *([None] * (column.ndim - 1 - len(fixed))))


def estimator_to_onnx(model: Any, framework: str, signature: Signature, dest: Path) -> list[str]:
    """A scikit-learn or XGBoost model as an ONNX graph taking ``[rows, features]``; its first
    output (the label or value ``predict`` gives) serves the model's one output column.

    A float64 input column is fed as doubles where skl2onnx's converter takes them, so the graph
    computes as scikit-learn does; else as floats (XGBoost computes in float32 itself)."""
    features = (signature.inputs[0].shape or (1,))[0]
    if framework == "xgboost":
        from onnxmltools import convert_xgboost
        from onnxmltools.convert.common.data_types import FloatTensorType as XgbFloats

        graph = convert_xgboost(
            model, initial_types=[("inputs", XgbFloats([None, features]))], target_opset=XGB_OPSET
        )
    else:
        graph = _sklearn_graph(model, features, double=signature.inputs[0].type == pa.float64())
    dest.write_bytes(graph.SerializeToString())
    return [graph.graph.output[0].name]


def _sklearn_graph(model: Any, features: int, *, double: bool) -> Any:
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    last = model.steps[-1][1] if hasattr(model, "steps") else model
    options = {id(last): {"zipmap": False}} if hasattr(last, "predict_proba") else None

    def convert(kind: Any) -> Any:
        return to_onnx(
            model,
            initial_types=[("inputs", kind([None, features]))],
            options=options,
            target_opset={"": OPSET, "ai.onnx.ml": ML_OPSET},
        )

    if double:
        try:
            return convert(DoubleTensorType)
        except Exception:  # a converter without doubles (some ai.onnx.ml operators)
            pass
    return convert(FloatTensorType)


__all__ = [
    "ML_OPSET",
    "OPSET",
    "XGB_OPSET",
    "estimator_to_onnx",
    "tensorflow_to_onnx",
    "torch_to_onnx",
]
