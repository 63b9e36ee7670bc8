"""Python steps: finding the one entry function, Wallaroo's signature check, legacy forms."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pyarrow as pa
import pytest

from modelport.batch import Batch
from modelport.codecs.json_frames import decode_json
from modelport.errors import ConfigError, ModelFailed
from modelport.formats.wallaroo.python_step import (
    NO_STEP_MESSAGE,
    SEVERAL_STEPS_MESSAGE,
    SIGNATURE_MESSAGE,
    PythonStepServable,
    find_step,
    load_step,
)
from modelport.formats.wallaroo.schemas import signature_of
from modelport.schema import Field, Signature
from modelport.validation import InputValidator


def step_file(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "step.py"
    path.write_text(textwrap.dedent(source))
    return path


def test_a_step_with_no_entry_function(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=NO_STEP_MESSAGE):
        load_step(step_file(tmp_path, "def process(data):\n    return data\n"))


def test_a_step_with_both_entry_functions(tmp_path: Path) -> None:
    source = """
        from mac.types import InferenceData
        def process_data(input_data: InferenceData) -> InferenceData:
            return input_data
        def wallaroo_json(data):
            return data
    """
    with pytest.raises(ConfigError, match="defines both process_data and wallaroo_json"):
        load_step(step_file(tmp_path, source))


@pytest.mark.parametrize(
    "definition",
    [
        "def process_data(input_data):",
        "def process_data(data: InferenceData) -> InferenceData:",
        "def process_data(input_data: InferenceData):",
        "def process_data(input_data: dict) -> InferenceData:",
        "def process_data(input_data: InferenceData, extra=None) -> InferenceData:",
    ],
)
def test_process_data_must_have_wallaroos_exact_signature(tmp_path: Path, definition: str) -> None:
    source = f"from mac.types import InferenceData\n{definition}\n    return input_data\n"
    with pytest.raises(ConfigError) as caught:
        load_step(step_file(tmp_path, source))
    assert caught.value.message == SIGNATURE_MESSAGE


def test_string_annotations_are_accepted(tmp_path: Path) -> None:
    source = """
        from __future__ import annotations
        from mac.types import InferenceData
        async def process_data(input_data: InferenceData) -> InferenceData:
            return input_data
    """
    entry = load_step(step_file(tmp_path, source))
    assert (entry.name, entry.variant) == ("process_data", "inference-data")


def test_a_step_that_fails_to_import_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"importing step\.py raised ZeroDivisionError"):
        load_step(step_file(tmp_path, "X = 1 / 0\n"))


def test_a_missing_package_is_named_with_where_to_declare_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as alone:
        load_step(step_file(tmp_path, "import sklearn_not_installed.linear\n"))
    assert alone.value.message == (
        "step.py imports sklearn_not_installed, which the model's environment does not have"
    )
    assert "zip the folder" in str(alone.value.hint)
    (tmp_path / "requirements.txt").write_text("numpy\n")  # now a zipped step's folder
    with pytest.raises(ConfigError) as zipped:
        load_step(tmp_path / "step.py")
    assert "name sklearn_not_installed in the requirements.txt" in str(zipped.value.hint)


def test_a_zipped_step_is_the_one_module_defining_the_entry(tmp_path: Path) -> None:
    (tmp_path / "scaling_helpers.py").write_text("def double(x):\n    return x * 2\n")
    source = """
        from mac.types import InferenceData
        from scaling_helpers import double
        def process_data(input_data: InferenceData) -> InferenceData:
            return {"y": double(input_data["x"])}
    """
    step_file(tmp_path, source)
    name, entry = find_step(tmp_path)
    assert (name, entry.name) == ("step.py", "process_data")
    (tmp_path / "other.py").write_text(textwrap.dedent(source))
    with pytest.raises(ConfigError, match=SEVERAL_STEPS_MESSAGE) as caught:
        find_step(tmp_path)
    assert "each of other.py, step.py defines one" in str(caught.value.hint)


@pytest.mark.parametrize(
    ("parameter", "variant"),
    [("data", "dataframe"), ("data: pd.DataFrame", "dataframe"), ("data: str", "json-string")],
)
def test_the_legacy_variant_follows_the_parameter_annotation(
    tmp_path: Path, parameter: str, variant: str
) -> None:
    source = f"import pandas as pd\ndef wallaroo_json({parameter}):\n    return data\n"
    assert load_step(step_file(tmp_path, source)).variant == variant


SIGNATURE = Signature([Field("x", "float64")], [Field("y", "float64")])
BATCH = Batch.from_table(pa.table({"x": [1.0, 2.0]}))


@pytest.mark.parametrize(
    "returned",
    [
        "[{'y': v * 2} for v in data['x']]",
        "{'y': (data['x'] * 2).tolist()}",
        "pd.DataFrame({'y': data['x'] * 2})",
    ],
)
def test_a_legacy_step_may_return_rows_columns_or_a_dataframe(
    tmp_path: Path, returned: str
) -> None:
    source = f"import pandas as pd\ndef wallaroo_json(data: pd.DataFrame):\n    return {returned}\n"
    servable = PythonStepServable(
        load_step(step_file(tmp_path, source)), name="s", signature=SIGNATURE, metadata={}
    )
    assert servable.predict(BATCH).to_pylist() == [{"y": 2.0}, {"y": 4.0}]


def test_a_legacy_step_returning_something_else_is_a_model_failure(tmp_path: Path) -> None:
    source = "def wallaroo_json(data):\n    return 42\n"
    servable = PythonStepServable(
        load_step(step_file(tmp_path, source)), name="s", signature=SIGNATURE, metadata={}
    )
    with pytest.raises(ModelFailed, match="wallaroo_json returned int"):
        servable.predict(BATCH)


def test_steps_loaded_in_one_process_each_keep_their_own_module(tmp_path: Path) -> None:
    """Two steps defining the same class name: each finds its own class by module name (as
    pickle does) after the other is loaded; under one shared module name the first would not."""
    source = """
        import pickle
        from mac.types import InferenceData

        class Scale:
            factor = {factor}

        def process_data(input_data: InferenceData) -> InferenceData:
            scale = pickle.loads(pickle.dumps(Scale()))
            return {{"y": input_data["x"] * scale.factor}}
    """
    servables = []
    for factor in (2.0, 3.0):
        folder = tmp_path / str(factor)
        folder.mkdir()
        entry = load_step(step_file(folder, source.format(factor=factor)))
        servables.append(PythonStepServable(entry, name="s", signature=SIGNATURE, metadata={}))
    doubled, tripled = (s.predict(BATCH).column("y").to_pylist() for s in servables)
    assert (doubled, tripled) == ([2.0, 4.0], [3.0, 6.0])


def test_equal_length_lists_of_a_variable_list_column_arrive_as_a_matrix(tmp_path: Path) -> None:
    """A step declared with ``pa.list_(pa.float64())``, as Wallaroo's examples declare tensors,
    rounds its rows with numpy: equal-length rows come as one 2-D array, not objects."""
    source = """
        import numpy as np
        from mac.types import InferenceData

        def process_data(input_data: InferenceData) -> InferenceData:
            tensor = input_data["tensor"]
            return {"rounded": np.rint(tensor), "width": np.full(len(tensor), tensor.shape[1])}
    """
    schema = pa.schema([pa.field("tensor", pa.list_(pa.float64()))])
    outputs = pa.schema(
        [pa.field("rounded", pa.list_(pa.float64())), pa.field("width", pa.int64())]
    )
    signature = signature_of(schema, outputs)
    servable = PythonStepServable(
        load_step(step_file(tmp_path, source)), name="s", signature=signature, metadata={}
    )
    rows = [{"tensor": [1.4, 2.6, -0.2]}, {"tensor": [3.5, 4.49, 5.0]}]
    batch = InputValidator(signature).validate(decode_json(rows, orient=None))
    assert servable.predict(batch).to_pylist() == [
        {"rounded": [1.0, 3.0, -0.0], "width": 3},
        {"rounded": [4.0, 4.0, 5.0], "width": 3},
    ]
