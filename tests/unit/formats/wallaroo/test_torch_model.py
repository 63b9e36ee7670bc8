"""PyTorch uploads, run in-process: a TorchScript file checked against its schemas at build, a
file torch.save wrote refused naming torch.jit.save, and answers shaped as the output schema."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from modelport.errors import ConfigError, ModelFailed
from modelport.formats.base import BuildOutput
from modelport.formats.wallaroo.format import WallarooFormat
from modelport.formats.wallaroo.options import upload_options
from modelport.formats.wallaroo.torch_model import (
    load_module,
    run_module,
    sample_inputs,
)
from modelport.schema import Signature, signature_from_arrow

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings(
    "ignore:`torch.jit.script` is deprecated:DeprecationWarning"
)

FORMAT = WallarooFormat()
INPUTS = pa.schema([pa.field("tensor", pa.list_(pa.float32(), 4))])
OUTPUTS = pa.schema(
    [pa.field("probabilities", pa.list_(pa.float32(), 3)), pa.field("label", pa.int64())]
)


class Classifier(torch.nn.Module):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logits = self.linear(x)
        return torch.softmax(logits, dim=1), logits.argmax(dim=1)


def classifier() -> Classifier:
    """The same eager model each time (its weights from seed 0)."""
    torch.manual_seed(0)
    return Classifier().eval()


class Summed(torch.nn.Module):  # type: ignore[misc]
    """Two inputs, a dict answer."""

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"total": (a * b).sum(dim=1)}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("torch")
    paths = {name: work / f"{name}.pt" for name in ("scripted", "pickled", "summed", "state")}
    model = classifier()
    with warnings.catch_warnings():  # TorchScript is deprecated in torch 2.13, yet Wallaroo's
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.save(torch.jit.script(model), paths["scripted"])
        torch.jit.save(torch.jit.script(Summed()), paths["summed"])
    torch.save(model, paths["pickled"])
    torch.save(model.state_dict(), paths["state"])
    return paths


def build_step(path: Path, out: Path, **options: Any) -> BuildOutput:
    out.mkdir()
    return FORMAT.build_step(
        FORMAT.layout(path), out, options=upload_options(framework="pytorch", **options)
    )


def test_a_torchscript_file_builds_with_its_schemas(files: dict[str, Path], tmp_path: Path) -> None:
    output = build_step(
        files["scripted"], tmp_path / "out", input_schema=INPUTS, output_schema=OUTPUTS
    )
    assert output.metadata["framework"] == "pytorch"
    assert output.metadata["runtime"] == "onnx"
    assert output.entry_point == "scripted.pt"
    signature = Signature.from_dict(output.signature)
    assert [(f.name, f.shape) for f in signature.inputs] == [("tensor", (4,))]
    assert FORMAT.detect(files["scripted"]) == 0.9


def test_a_pth_file_builds_as_a_pt_file_does(files: dict[str, Path], tmp_path: Path) -> None:
    renamed = tmp_path / "scripted.pth"
    shutil.copyfile(files["scripted"], renamed)
    output = build_step(renamed, tmp_path / "out", input_schema=INPUTS, output_schema=OUTPUTS)
    assert (output.metadata["framework"], output.entry_point) == ("pytorch", "scripted.pth")
    assert FORMAT.detect(renamed) == 0.9


@pytest.mark.parametrize("saved", ["pickled", "state"])
def test_a_file_torch_save_wrote_is_refused_naming_torch_jit_save(
    files: dict[str, Path], tmp_path: Path, saved: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        build_step(files[saved], tmp_path / "out", input_schema=INPUTS, output_schema=OUTPUTS)
    assert "saved with torch.save" in caught.value.message
    assert "torch.jit.save(torch.jit.script(model)" in str(caught.value)
    assert caught.value.field == f"{saved}.pt"


def test_both_schemas_are_required(files: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--output-schema missing"):
        build_step(files["scripted"], tmp_path / "out", input_schema=INPUTS)


def test_an_input_schema_the_module_cannot_take_is_refused_at_build(
    files: dict[str, Path], tmp_path: Path
) -> None:
    wrong = pa.schema([pa.field("tensor", pa.list_(pa.float32(), 5))])
    with pytest.raises(ConfigError) as caught:
        build_step(files["scripted"], tmp_path / "out", input_schema=wrong, output_schema=OUTPUTS)
    assert caught.value.field == "input_schema"
    assert "failed on a batch of 16 rows" in caught.value.message


def test_an_output_schema_of_another_count_is_refused_at_build(
    files: dict[str, Path], tmp_path: Path
) -> None:
    one = pa.schema([pa.field("label", pa.int64())])
    with pytest.raises(ConfigError) as caught:
        build_step(files["scripted"], tmp_path / "out", input_schema=INPUTS, output_schema=one)
    assert caught.value.field == "output_schema"
    assert "returned 2 tensors; the output schema names 1" in caught.value.message


def test_string_columns_are_refused(files: dict[str, Path], tmp_path: Path) -> None:
    text = pa.schema([pa.field("tensor", pa.string())])
    with pytest.raises(ConfigError, match="tensors of numbers"):
        build_step(files["scripted"], tmp_path / "out", input_schema=text, output_schema=OUTPUTS)


def test_answers_match_the_module_and_a_dict_answer_is_read_by_name(
    files: dict[str, Path],
) -> None:
    signature = signature_from_arrow(INPUTS, OUTPUTS)
    columns = sample_inputs(signature.inputs)
    table = run_module(load_module(files["scripted"]), columns, signature)
    with torch.inference_mode():
        probabilities, labels = classifier()(torch.from_numpy(columns["tensor"]))
    np.testing.assert_allclose(np.stack(table["probabilities"].to_pylist()), probabilities)
    assert table["label"].to_pylist() == labels.tolist()
    assert table.schema.field("label").type == pa.int64()

    two = signature_from_arrow(
        pa.schema(
            [pa.field("a", pa.list_(pa.float64(), 2)), pa.field("b", pa.list_(pa.float64(), 2))]
        ),
        pa.schema([pa.field("total", pa.float64())]),
    )
    summed = run_module(load_module(files["summed"]), sample_inputs(two.inputs), two)
    assert summed.num_rows == 16 and summed.column_names == ["total"]
    wrongly_named = signature_from_arrow(
        two.input_schema, pa.schema([pa.field("sum", pa.float64())])
    )
    with pytest.raises(ModelFailed, match="missing"):
        run_module(load_module(files["summed"]), sample_inputs(two.inputs), wrongly_named)


def test_the_environment_gets_the_torch_installed_here(files: dict[str, Path]) -> None:
    assert FORMAT.layout(files["scripted"]).requirements == (
        f"torch=={torch.__version__}",
        "onnx",
        "onnxruntime",
    )
