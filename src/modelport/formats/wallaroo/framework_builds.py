"""The build steps of Wallaroo's framework files: each reads (or checks) the model's schemas,
and a PyTorch, scikit-learn, XGBoost, Keras or TensorFlow model is converted to ONNX where the
graph answers as the model does (``native_runtime``), which the build output records and tells."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from modelport.errors import ConfigError
from modelport.formats.base import BuildOutput
from modelport.formats.wallaroo import (
    estimators,
    keras_model,
    native_runtime,
    onnx_conversion,
    onnx_model,
    torch_model,
)
from modelport.formats.wallaroo.schemas import signature_of
from modelport.schema import Signature


def build_onnx(
    path: Path, schemas: dict[str, pa.Schema], tensor_fields: list[str] | None
) -> BuildOutput:
    session = onnx_model.open_session(path)
    signature = onnx_model.graph_signature(
        session, schemas.get("input_schema"), schemas.get("output_schema"), tensor_fields
    )
    metadata: dict[str, Any] = {"framework": "onnx"}
    if tensor_fields is not None:
        metadata["tensor_fields"] = tensor_fields
    return build_output(path.name, signature, metadata)


def build_torch(path: Path, schemas: dict[str, pa.Schema], mode: str, out_dir: Path) -> BuildOutput:
    """A TorchScript module, run once on a batch of its input schema to check both schemas,
    then converted to ONNX where the graph answers as the module does."""
    signature = required_schemas(schemas, "pytorch")
    torch_model.check_signature(signature)
    module = torch_model.load_module(path)
    torch_model.check_module(module, signature, path)
    sample = torch_model.sample_inputs(signature.inputs)
    choice = native_runtime.choose_runtime(
        mode,
        framework="torch",
        signature=signature,
        sample=sample,
        original=lambda columns: torch_model.run_module(module, columns, signature),
        convert=lambda dest: onnx_conversion.torch_to_onnx(module, signature, sample, dest),
        out_dir=out_dir,
    )
    return served_by(choice, path.name, signature, {"framework": "pytorch"}, out_dir)


def served_by(
    choice: native_runtime.RuntimeChoice,
    entry_point: str,
    signature: Signature,
    metadata: dict[str, Any],
    out_dir: Path,
) -> BuildOutput:
    """The build output of a model the runtime ``choice`` serves, which the build tells."""
    output = build_output(
        entry_point, signature, metadata | choice.metadata([f.name for f in signature.inputs])
    )
    if choice.runtime == "onnx":
        converted = native_runtime.CONVERTED_FILE
        output.files[f"src/{converted}"] = str(out_dir / converted)
    output.notes.append(f"served by {choice.runtime}: {choice.reason}")
    return output


def build_estimator(
    path: Path, schemas: dict[str, pa.Schema], framework: str | None, mode: str, out_dir: Path
) -> BuildOutput:
    """A scikit-learn or XGBoost model: each schema not given is read off the model."""
    model = estimators.load_estimator(path)
    found = estimators.framework_of(model, path)
    if framework is not None and framework != found:
        raise ConfigError(
            f"{path.name} holds a {found} model, not {framework}",
            hint=f"use --framework {found}",
            field="framework",
        )
    default = estimators.default_signature(model)
    signature = signature_of(
        schemas.get("input_schema", default.input_schema),
        schemas.get("output_schema", default.output_schema),
    )
    estimators.check_signature(signature, model)
    sample = estimators.sample_inputs(signature)
    choice = native_runtime.choose_runtime(
        mode,
        framework=found,
        signature=signature,
        sample=sample,
        original=lambda columns: estimators.answer(model, columns, signature),
        convert=lambda dest: onnx_conversion.estimator_to_onnx(model, found, signature, dest),
        out_dir=out_dir,
    )
    return served_by(choice, path.name, signature, {"framework": found}, out_dir)


def required_schemas(schemas: dict[str, pa.Schema], framework: str) -> Signature:
    missing = [s for s in ("input_schema", "output_schema") if s not in schemas]
    if missing:
        flags = " and ".join(f"--{m.replace('_', '-')}" for m in missing)
        raise ConfigError(
            f"a {framework} model needs both an input and an output schema; {flags} missing",
            hint="give each as the base64 of pyarrow.Schema.serialize() or a pickled schema "
            "file (from Python: BuildOptions(input_schema=pa.schema([...])))",
            field=missing[0],
        )
    return signature_of(schemas["input_schema"], schemas["output_schema"])


def build_output(entry_point: str, signature: Signature, metadata: dict[str, Any]) -> BuildOutput:
    return BuildOutput(entry_point=entry_point, signature=signature.to_dict(), metadata=metadata)


def build_keras(
    path: Path, schemas: dict[str, pa.Schema], framework: str, mode: str, out_dir: Path
) -> BuildOutput:
    """A Keras file, or a SavedModel folder (``path`` a folder), run once on a batch of its
    input schema to check both schemas, then converted to ONNX (tf2onnx) where the graph answers
    as TensorFlow does."""
    signature = required_schemas(schemas, framework)
    torch_model.check_signature(signature)
    model = keras_model.load_model(path, signature)
    keras_model.check_model(model, signature, path.name)
    sample = torch_model.sample_inputs(signature.inputs)
    choice = native_runtime.choose_runtime(
        mode,
        framework=framework,
        signature=signature,
        sample=sample,
        original=lambda columns: keras_model.run_model(model, columns, signature),
        convert=lambda dest: onnx_conversion.tensorflow_to_onnx(model, signature, sample, dest),
        out_dir=out_dir,
    )
    saved_model = path.is_dir()
    entry = keras_model.SAVED_MODEL if saved_model else path.name
    metadata: dict[str, Any] = {"framework": framework, "saved_model": saved_model}
    return served_by(choice, entry, signature, metadata, out_dir)
