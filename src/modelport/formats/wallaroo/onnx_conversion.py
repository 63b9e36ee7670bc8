"""Framework models converted to ONNX at build: PyTorch with ``torch.onnx`` (its TorchScript
exporter), scikit-learn with skl2onnx, XGBoost with onnxmltools, at opset 17 (what Wallaroo's
converters target). Each converter writes the graph to ``dest`` and answers the names of the graph
outputs that give the model's output columns, in the output schema's order; anything it cannot
do raises, and the caller says why the framework's own runtime serves instead."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from modelport.schema import Signature

OPSET = 17
"""The ONNX opset of converted models (onnxconverter-common's DEFAULT_OPSET_NUMBER in Wallaroo)."""
ML_OPSET = 3
"""The ai.onnx.ml opset of converted scikit-learn and XGBoost models."""


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


def estimator_to_onnx(model: Any, framework: str, signature: Signature, dest: Path) -> list[str]:
    """A scikit-learn or XGBoost model as an ONNX graph taking ``[rows, features]`` floats; its
    first output (the label or value ``predict`` gives) serves the model's one output column."""
    features = (signature.inputs[0].shape or (1,))[0]
    if framework == "xgboost":
        from onnxmltools import convert_xgboost
        from onnxmltools.convert.common.data_types import FloatTensorType as XgbFloats

        graph = convert_xgboost(
            model, initial_types=[("inputs", XgbFloats([None, features]))], target_opset=OPSET
        )
    else:
        from skl2onnx import to_onnx
        from skl2onnx.common.data_types import FloatTensorType

        last = model.steps[-1][1] if hasattr(model, "steps") else model
        options = {id(last): {"zipmap": False}} if hasattr(last, "predict_proba") else None
        graph = to_onnx(
            model,
            initial_types=[("inputs", FloatTensorType([None, features]))],
            options=options,
            target_opset={"": OPSET, "ai.onnx.ml": ML_OPSET},
        )
    dest.write_bytes(graph.SerializeToString())
    return [graph.graph.output[0].name]


__all__ = ["ML_OPSET", "OPSET", "estimator_to_onnx", "torch_to_onnx"]
