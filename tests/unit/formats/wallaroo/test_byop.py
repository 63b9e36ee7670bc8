"""BYOP models: the mac stand-in's behaviour and each validation error of the loader."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from modelport.batch import Batch
from modelport.errors import ConfigError
from modelport.formats.wallaroo.byop import (
    NO_BUILDER,
    NO_MODULES,
    SEVERAL_BUILDERS,
    ByopServable,
    load_inference,
)
from modelport.formats.wallaroo.mac_modules import ensure_mac_importable
from modelport.schema import Field, Signature

IMPORTS = """
from typing import Any
import numpy as np
from mac.config.inference import CustomInferenceConfig
from mac.inference import Inference
from mac.inference.creation import InferenceBuilder
from mac.types import InferenceData
"""
INFERENCE = """
class Doubler(Inference):
    @property
    def expected_model_types(self) -> set[Any]:
        return {float}

    def _predict(self, input_data: InferenceData) -> InferenceData:
        return {"y": input_data["x"] * self.model}
"""
BUILDER = """
class DoublerBuilder(InferenceBuilder):
    @property
    def inference(self) -> Doubler:
        return Doubler()

    def create(self, config: CustomInferenceConfig) -> Doubler:
        inference = self.inference
        inference.model = float((config.model_path / "factor.txt").read_text())
        return inference
"""
RETURNS_CLASS = BUILDER.replace("        return Doubler()", "        return Doubler").replace(
    "inference = self.inference", "inference = self.inference()"
)
SIGNATURE = Signature([Field("x", "float64")], [Field("y", "float64")])


def byop_folder(tmp_path: Path, **sources: str) -> Path:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "factor.txt").write_text("2.0")
    for name, text in sources.items():
        (folder / f"{name}.py").write_text(textwrap.dedent(text))
    return folder


def test_a_valid_byop_model_loads_and_predicts(tmp_path: Path) -> None:
    folder = byop_folder(tmp_path, main=IMPORTS + INFERENCE + BUILDER)
    servable = ByopServable(folder, name="doubler", signature=SIGNATURE, metadata={})
    servable.load()
    table = servable.predict(Batch.from_table(pa.table({"x": [1.0, 2.5]})))
    assert table.to_pylist() == [{"y": 2.0}, {"y": 5.0}]


def test_modules_of_the_folder_import_one_another(tmp_path: Path) -> None:
    folder = byop_folder(
        tmp_path,
        doubler_inference=IMPORTS + INFERENCE,
        main=IMPORTS + "from doubler_inference import Doubler\n" + BUILDER,
    )
    assert type(load_inference(folder)).__name__ == "Doubler"


def test_no_python_modules(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=NO_MODULES):
        load_inference(byop_folder(tmp_path))


def test_no_inference_builder_subclass(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=NO_BUILDER):
        load_inference(byop_folder(tmp_path, main=IMPORTS + INFERENCE))


def test_several_inference_builder_subclasses(tmp_path: Path) -> None:
    second = BUILDER.replace("class DoublerBuilder", "class OtherBuilder")
    folder = byop_folder(tmp_path, main=IMPORTS + INFERENCE + BUILDER + second)
    with pytest.raises(ConfigError, match=SEVERAL_BUILDERS) as caught:
        load_inference(folder)
    assert "DoublerBuilder, OtherBuilder" in str(caught.value)


@pytest.mark.parametrize(
    ("dropped", "missing"),
    [
        ("    def create(", "create"),
        ("    @property\n    def inference(", "inference"),
    ],
)
def test_a_builder_missing_a_member(tmp_path: Path, dropped: str, missing: str) -> None:
    builder = _without(BUILDER, dropped)
    with pytest.raises(ConfigError) as caught:
        load_inference(byop_folder(tmp_path, main=IMPORTS + INFERENCE + builder))
    assert f"InferenceBuilder subclass DoublerBuilder does not define {missing}" in str(
        caught.value
    )


@pytest.mark.parametrize(
    ("dropped", "missing"),
    [
        ("    @property\n    def expected_model_types(", "expected_model_types"),
        ("    def _predict(", "_predict"),
    ],
)
@pytest.mark.parametrize("returns", ["an instance", "the class"])
def test_an_inference_missing_a_member(
    tmp_path: Path, dropped: str, missing: str, returns: str
) -> None:
    inference = _without(INFERENCE, dropped)
    builder = BUILDER if returns == "an instance" else RETURNS_CLASS
    with pytest.raises(ConfigError) as caught:
        load_inference(byop_folder(tmp_path, main=IMPORTS + inference + builder))
    message = str(caught.value)
    assert "Doubler" in message
    assert missing in message


def test_a_predict_that_does_not_take_the_input_data(tmp_path: Path) -> None:
    inference = INFERENCE.replace("self, input_data: InferenceData)", "self)")
    with pytest.raises(ConfigError, match=r"Doubler\._predict takes \[\] instead of one argument"):
        load_inference(byop_folder(tmp_path, main=IMPORTS + inference + BUILDER))


def test_a_predict_that_does_not_return_a_dict_of_numpy_arrays(tmp_path: Path) -> None:
    inference = INFERENCE.replace(
        'return {"y": input_data["x"] * self.model}', 'return {"y": [1.0, 2.0]}'
    )
    folder = byop_folder(tmp_path, main=IMPORTS + inference + BUILDER)
    servable = ByopServable(folder, name="doubler", signature=SIGNATURE, metadata={})
    servable.load()
    from mac.exceptions import InferenceDataValidationError

    with pytest.raises(InferenceDataValidationError) as caught:
        servable.predict(Batch.from_table(pa.table({"x": [1.0, 2.5]})))
    assert str(caught.value) == (
        "Doubler._predict's output must be InferenceData (a dict of str to numpy.ndarray); "
        "'y' is a list."
    )


def test_predict_refuses_input_that_is_not_a_dict_of_numpy_arrays(tmp_path: Path) -> None:
    inference = load_inference(byop_folder(tmp_path, main=IMPORTS + INFERENCE + BUILDER))
    from mac.exceptions import InferenceDataValidationError

    with pytest.raises(InferenceDataValidationError, match="got list"):
        inference.predict([1.0, 2.5])
    with pytest.raises(InferenceDataValidationError, match="'x' is a list"):
        inference.predict({"x": [1.0, 2.5]})
    np.testing.assert_array_equal(inference.predict({"x": np.array([1.0])})["y"], [2.0])


def test_a_model_of_an_unexpected_type_is_refused_on_assignment(tmp_path: Path) -> None:
    builder = BUILDER.replace('float((config.model_path / "factor.txt").read_text())', '"two"')
    with pytest.raises(ConfigError) as caught:
        load_inference(byop_folder(tmp_path, main=IMPORTS + INFERENCE + builder))
    assert "The model is not of type(s): ['float']. Got type 'str' instead." in str(caught.value)


def test_predicting_with_no_model_assigned_raises_macs_error() -> None:
    ensure_mac_importable()
    from mac.exceptions import ModelNotAssignedError
    from mac.inference import Inference

    class Bare(Inference):
        @property
        def expected_model_types(self) -> set[type]:
            return {float}

        def _predict(self, input_data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
            return input_data

    with pytest.raises(
        ModelNotAssignedError, match=r"The model is not assigned to the Inference object\."
    ):
        Bare().predict({"x": np.array([1.0])})


def test_the_config_needs_the_custom_framework_and_a_path() -> None:
    ensure_mac_importable()
    from mac.config.inference import CustomInferenceConfig

    with pytest.raises(TypeError, match=r"model_path must be a pathlib\.Path"):
        CustomInferenceConfig(framework="custom", model_path="model")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="framework='custom'"):
        CustomInferenceConfig(framework="python", model_path=Path("model"))
    config = CustomInferenceConfig(framework="custom", model_path=Path("model"))
    assert config.modules_to_include == {"*.py"}


def test_an_inference_property_returning_the_class_is_accepted(tmp_path: Path) -> None:
    folder = byop_folder(tmp_path, main=IMPORTS + INFERENCE + RETURNS_CLASS)
    assert type(load_inference(folder)).__name__ == "Doubler"


def test_a_create_that_raises_is_reported(tmp_path: Path) -> None:
    folder = byop_folder(tmp_path, main=IMPORTS + INFERENCE + BUILDER)
    (folder / "factor.txt").unlink()
    with pytest.raises(ConfigError, match=r"DoublerBuilder\.create\(config\) raised"):
        load_inference(folder)


def _without(source: str, member_start: str) -> str:
    """``source`` with the method starting at ``member_start`` removed."""
    start = source.index(member_start)
    end = source.find("\n    @", start + len(member_start))
    end = source.find("\n    def ", start + len(member_start)) if end == -1 else end
    return source[:start] + (source[end + 1 :] if end != -1 else "")
