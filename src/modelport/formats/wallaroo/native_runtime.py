"""Which runtime serves a framework model: onnxruntime on a converted graph, or the framework's own.

As Wallaroo does at upload, a build converts a PyTorch, scikit-learn, XGBoost, Keras or
TensorFlow model to ONNX (``onnx_conversion``) and checks the converted graph against the original
on a batch generated from the input schema: every float output within :data:`RTOL` and
:data:`ATOL` of the original's (float32 graphs of float64 models differ in the last digits),
every other output equal. When it holds, onnxruntime serves the graph (it releases the GIL and
needs no framework import at start); when the conversion fails or the answers differ, the
framework's own runtime serves, and the build says why. ``--runtime onnx`` makes a failed
conversion an error; ``--runtime framework`` skips it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from modelport.errors import ConfigError
from modelport.formats.wallaroo.onnx_model import OnnxServable
from modelport.schema import Signature

RUNTIMES = ("auto", "onnx", "framework")
RTOL = 1e-4
ATOL = 1e-5
CONVERTED_FILE = "converted.onnx"
"""The converted graph's name in the artifact (beside the uploaded file, under ``src/``)."""


@dataclass(frozen=True)
class RuntimeChoice:
    runtime: str
    """``onnx`` or ``framework``."""
    reason: str
    graph_outputs: tuple[str, ...] = ()

    def metadata(self, inputs: list[str]) -> dict[str, Any]:
        """What the manifest records, for the server (and ``models show``) to read."""
        found: dict[str, Any] = {"runtime": self.runtime, "runtime_reason": self.reason}
        if self.runtime == "onnx":
            found |= {
                "onnx_file": CONVERTED_FILE,
                "tensor_fields": inputs,
                "graph_outputs": list(self.graph_outputs),
            }
        return found


def read_runtime(text: str | None) -> str:
    """The ``runtime`` build option (``auto`` when not given)."""
    runtime = (text or "auto").strip().lower()
    if runtime not in RUNTIMES:
        raise ConfigError(
            f"runtime {text!r} is not one of {', '.join(RUNTIMES)}",
            hint="--runtime onnx serves a converted graph, framework the framework's own "
            "runtime, auto (the default) the graph when it answers as the model does",
            field="runtime",
        )
    return runtime


def choose_runtime(
    mode: str,
    *,
    framework: str,
    signature: Signature,
    sample: Mapping[str, np.ndarray],
    original: Callable[[Mapping[str, np.ndarray]], pa.Table],
    convert: Callable[[Path], list[str]],
    out_dir: Path,
) -> RuntimeChoice:
    """Convert, check and choose (see the module docstring); ``original`` answers the sample as
    the framework does, ``convert`` writes the graph and names the outputs it serves."""
    if mode == "framework":
        return RuntimeChoice("framework", f"{framework}'s own runtime, as --runtime framework asks")
    dest = out_dir / CONVERTED_FILE
    try:
        outputs = convert(dest)
        converted = _converted_servable(dest, signature, outputs)
        difference = _difference(original(sample), converted.run(sample, rows=_rows(sample)))
    except Exception as exc:
        problem = f"the conversion to ONNX failed ({type(exc).__name__}: {_first_line(exc)})"
    else:
        rows = _rows(sample)
        if difference is None:
            return RuntimeChoice(
                "onnx",
                f"converted to ONNX: it answers as {framework} does on {rows} generated rows "
                f"(rtol {RTOL:g}, atol {ATOL:g})",
                tuple(outputs),
            )
        problem = f"the ONNX conversion answers otherwise than {framework}: {difference}"
    dest.unlink(missing_ok=True)
    if mode == "onnx":
        raise ConfigError(
            problem,
            hint="build with --runtime auto (or framework) to serve with the framework's runtime",
            field="runtime",
        )
    return RuntimeChoice("framework", f"{framework}'s own runtime: {problem}")


def converted_servable(
    root: Path, *, name: str, signature: Signature, metadata: dict[str, Any]
) -> OnnxServable:
    """The servable of a model built with runtime ``onnx``: its graph under ``root``."""
    return OnnxServable(
        root / metadata["onnx_file"], name=name, signature=signature, metadata=metadata
    )


def _converted_servable(path: Path, signature: Signature, outputs: list[str]) -> OnnxServable:
    metadata = RuntimeChoice("onnx", "", tuple(outputs)).metadata(
        [f.name for f in signature.inputs]
    )
    servable = converted_servable(
        path.parent, name="converted", signature=signature, metadata=metadata
    )
    servable.load()
    return servable


def _difference(expected: pa.Table, got: pa.Table) -> str | None:
    """None when ``got`` answers as ``expected`` within the tolerance; else the first column
    that differs, and by how much."""
    for name in expected.column_names:
        want = np.asarray(expected[name].to_pylist())
        have = np.asarray(got[name].to_pylist())
        if want.shape != have.shape:
            return f"output {name!r} has shape {have.shape[1:]}, not {want.shape[1:]}"
        if want.dtype.kind == "f" or have.dtype.kind == "f":
            if not np.allclose(have, want, rtol=RTOL, atol=ATOL):
                gap = float(np.max(np.abs(have.astype(float) - want.astype(float))))
                return f"output {name!r} differs by up to {gap:.3g} (rtol {RTOL:g}, atol {ATOL:g})"
        elif not np.array_equal(have, want):
            count = int(np.sum(have != want))
            return f"output {name!r} differs in {count} of {len(want)} rows"
    return None


def _rows(sample: Mapping[str, np.ndarray]) -> int:
    return len(next(iter(sample.values())))


def _first_line(exc: Exception) -> str:
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    return lines[0][:300] if lines else "no message"
