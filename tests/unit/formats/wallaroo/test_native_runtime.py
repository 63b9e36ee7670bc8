"""The native runtime with fallback, run in-process: PyTorch and scikit-learn models converted to
ONNX at build answer as the originals do within the stated tolerance; a model that cannot convert
is served by its framework, and the build says why; --runtime overrides."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pyarrow as pa
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.kernel_ridge import KernelRidge
from sklearn.linear_model import LinearRegression, LogisticRegression

from modelport.errors import ConfigError
from modelport.formats.base import BuildOutput
from modelport.formats.wallaroo import estimators, native_runtime, torch_model
from modelport.formats.wallaroo.format import WallarooFormat
from modelport.formats.wallaroo.options import upload_options
from modelport.schema import Signature

pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")

FORMAT = WallarooFormat()
IRIS_X, IRIS_Y = load_iris(return_X_y=True)
DIABETES_X, DIABETES_Y = load_diabetes(return_X_y=True)


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("estimators")
    fitted: dict[str, Any] = {
        "classifier": LogisticRegression(max_iter=500).fit(IRIS_X, IRIS_Y),
        "regressor": LinearRegression().fit(DIABETES_X, DIABETES_Y),
        "kernel-ridge": KernelRidge().fit(DIABETES_X, DIABETES_Y),
    }
    try:
        import xgboost
    except ImportError:  # the xgboost extra is absent: its case below is skipped
        pass
    else:
        booster = xgboost.XGBRegressor(n_estimators=8, max_depth=3)
        fitted["xgboost"] = booster.fit(DIABETES_X, DIABETES_Y)
    paths = {name: work / f"{name}.joblib" for name in fitted}
    for name, model in fitted.items():
        joblib.dump(model, paths[name])
    return paths


def build_step(path: Path, out: Path, **options: Any) -> BuildOutput:
    out.mkdir()
    return FORMAT.build_step(FORMAT.layout(path), out, options=upload_options(**options))


def served(output: BuildOutput, out: Path, upload: Path) -> Any:
    """The servable the server would load for ``output``: the graph, or the model itself."""
    signature = Signature.from_dict(output.signature)
    common: dict[str, Any] = {"name": "m", "signature": signature, "metadata": output.metadata}
    if output.metadata["runtime"] == "onnx":
        servable: Any = native_runtime.converted_servable(out, **common)
    elif output.metadata["framework"] == "pytorch":
        servable = torch_model.TorchServable(upload, **common)
    else:
        servable = estimators.EstimatorServable(upload, **common)
    servable.load()
    return servable


def answers(servable: Any, columns: dict[str, np.ndarray]) -> pa.Table:
    if isinstance(servable, torch_model.TorchServable):
        return torch_model.run_module(servable.module, columns, servable.signature)
    if isinstance(servable, estimators.EstimatorServable):
        return estimators.answer(servable.model, columns, servable.signature)
    rows = len(next(iter(columns.values())))
    return servable.run(columns, rows=rows)


@pytest.mark.parametrize(
    ("name", "data"), [("classifier", IRIS_X), ("regressor", DIABETES_X), ("xgboost", DIABETES_X)]
)
def test_a_converted_scikit_learn_or_xgboost_model_answers_as_the_original(
    models: dict[str, Path], tmp_path: Path, name: str, data: np.ndarray
) -> None:
    if name not in models:
        pytest.skip("the xgboost extra is absent")
    onnx = build_step(models[name], tmp_path / "onnx")
    framework = build_step(models[name], tmp_path / "framework", runtime="framework")
    assert onnx.metadata["runtime"] == "onnx"
    assert "rtol 0.0001, atol 1e-05" in onnx.metadata["runtime_reason"]
    assert any(note.startswith("served by onnx: converted to ONNX") for note in onnx.notes)
    assert onnx.files == {"src/converted.onnx": str(tmp_path / "onnx" / "converted.onnx")}
    assert framework.metadata["runtime"] == "framework" and framework.files == {}
    columns = {"inputs": data}
    by_graph = answers(served(onnx, tmp_path / "onnx", models[name]), columns)
    by_model = answers(served(framework, tmp_path / "framework", models[name]), columns)
    assert by_graph.schema == by_model.schema
    np.testing.assert_allclose(
        by_graph["predictions"].to_numpy(), by_model["predictions"].to_numpy(), rtol=1e-4
    )


def test_a_model_with_no_onnx_converter_falls_back_saying_why(
    models: dict[str, Path], tmp_path: Path
) -> None:
    output = build_step(models["kernel-ridge"], tmp_path / "out")
    assert output.metadata["runtime"] == "framework"
    reason = output.metadata["runtime_reason"]
    assert reason.startswith("sklearn's own runtime: the conversion to ONNX failed")
    assert "KernelRidge" in reason
    assert output.files == {} and not (tmp_path / "out" / "converted.onnx").exists()
    with pytest.raises(ConfigError) as caught:
        build_step(models["kernel-ridge"], tmp_path / "onnx", runtime="onnx")
    assert caught.value.field == "runtime"
    assert "--runtime auto" in str(caught.value)


def test_an_unknown_runtime_and_a_runtime_for_an_onnx_file_are_refused(
    models: dict[str, Path], tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match="not one of auto, onnx, framework"):
        build_step(models["regressor"], tmp_path / "a", runtime="tensorrt")
    graph = tmp_path / "model.onnx"
    graph.write_bytes(b"not read")
    with pytest.raises(ConfigError, match="--runtime applies to PyTorch") as caught:
        build_step(graph, tmp_path / "b", runtime="onnx")
    assert caught.value.field == "runtime"


def test_answers_that_differ_are_named_with_the_gap() -> None:
    expected = pa.table({"p": [1.0, 2.0], "label": [0, 1]})
    within = pa.table({"p": [1.0, 2.00001], "label": [0, 1]})  # 5e-6 relative: float32's noise
    assert native_runtime._difference(expected, within) is None
    assert native_runtime._difference(expected, expected) is None
    gap = native_runtime._difference(expected, pa.table({"p": [1.0, 2.5], "label": [0, 1]}))
    assert gap == "output 'p' differs by up to 0.5 (rtol 0.0001, atol 1e-05)"
    labels = native_runtime._difference(expected, pa.table({"p": [1.0, 2.0], "label": [1, 1]}))
    assert labels == "output 'label' differs in 1 of 2 rows"


class Eigen:
    """Built lazily: torch is optional."""

    @staticmethod
    def module() -> Any:
        import torch

        class Eigenvalues(torch.nn.Module):  # type: ignore[misc]
            def forward(self, x: torch.Tensor) -> torch.Tensor:
                return torch.linalg.eigvals(x.reshape(-1, 2, 2)).real.reshape(-1, 2)

        return Eigenvalues()


def test_a_torch_module_converts_and_one_the_exporter_cannot_falls_back(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    linear = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.save(torch.jit.script(linear.eval()), tmp_path / "mlp.pt")
        torch.jit.save(torch.jit.script(Eigen.module()), tmp_path / "eigen.pt")
    schemas = {
        "framework": "pytorch",
        "input_schema": pa.schema([pa.field("x", pa.list_(pa.float32(), 4))]),
        "output_schema": pa.schema([pa.field("y", pa.list_(pa.float32(), 2))]),
    }
    onnx = build_step(tmp_path / "mlp.pt", tmp_path / "onnx", **schemas)
    framework = build_step(
        tmp_path / "mlp.pt", tmp_path / "framework", runtime="framework", **schemas
    )
    assert (onnx.metadata["runtime"], framework.metadata["runtime"]) == ("onnx", "framework")
    columns = {"x": np.random.default_rng(1).standard_normal((50, 4)).astype(np.float32)}
    by_graph = answers(served(onnx, tmp_path / "onnx", tmp_path / "mlp.pt"), columns)
    by_module = answers(served(framework, tmp_path / "framework", tmp_path / "mlp.pt"), columns)
    np.testing.assert_allclose(
        np.stack(by_graph["y"].to_pylist()),
        np.stack(by_module["y"].to_pylist()),
        rtol=1e-4,
        atol=1e-5,
    )

    eigen = build_step(tmp_path / "eigen.pt", tmp_path / "eigen", **schemas)
    assert eigen.metadata["runtime"] == "framework"
    assert "aten::linalg_eigvals" in eigen.metadata["runtime_reason"]
