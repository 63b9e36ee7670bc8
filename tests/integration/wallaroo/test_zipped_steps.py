"""Python steps uploaded as a ``.zip``: the step, the helper modules it imports by name and a
requirements.txt in one folder (``modelport build step.zip --framework python --input-schema ...
--output-schema ...``), built here with ``--env inherit`` and served in-process; and a ``.py``
step importing a package nobody declared, refused naming it. The zip's requirements building the
model's own environment is in test_byop_environment (slow)."""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from sklearn.preprocessing import normalize

from modelport.errors import ModelportError
from modelport.formats.wallaroo.python_step import SEVERAL_STEPS_MESSAGE
from modelport.registry.entities import ModelVersion
from modelport.registry.store import RegistryStore
from modelport.settings import Settings

from .conftest import STEPS, Build, serving, zip_folder

HOUSE_FEATURES = Path(__file__).parent / "step_zips" / "house_features"
LISTINGS = pa.schema(
    [
        pa.field("sqft_living", pa.int64()),
        pa.field("sqft_lot", pa.int64()),
        pa.field("yr_built", pa.int64()),
        pa.field("yr_renovated", pa.int64()),
    ]
)
TENSOR = pa.schema([pa.field("tensor", pa.list_(pa.float32(), 4))])
ROWS = [
    {"sqft_living": 1180, "sqft_lot": 5650, "yr_built": 1955, "yr_renovated": 0},
    {"sqft_living": 2570, "sqft_lot": 7242, "yr_built": 1951, "yr_renovated": 1991},
]


def house_features_zip(dest: Path) -> Path:
    return zip_folder(HOUSE_FEATURES, dest / "house_features.zip")


@pytest.fixture(scope="module")
def zipped_step(build: Build, tmp_path_factory: pytest.TempPathFactory) -> ModelVersion:
    archive = house_features_zip(tmp_path_factory.mktemp("step-zip"))
    return build(
        archive,
        name="house-features",
        framework="python",
        input_schema=LISTINGS,
        output_schema=TENSOR,
    )


def test_a_zipped_step_imports_its_helpers_and_answers(
    zipped_step: ModelVersion, store: RegistryStore, settings: Settings
) -> None:
    assert zipped_step.metadata["framework"] == "python"
    with serving(store, settings, [zipped_step]) as client:
        response = client.post("/v1/models/house-features/predict", json=ROWS)
    assert response.status_code == 200, response.text
    expected = normalize(np.array([[1180, 5650, 0, 0], [2570, 7242, 1, 40]], dtype=np.float64))
    answer = np.array([row["tensor"] for row in response.json()])
    np.testing.assert_allclose(answer, expected, rtol=1e-6)


def test_a_zipped_step_is_recognised_without_framework(build: Build, tmp_path: Path) -> None:
    version = build(
        house_features_zip(tmp_path),
        name="house-features-detected",
        input_schema=LISTINGS,
        output_schema=TENSOR,
    )
    assert version.metadata["framework"] == "python"
    assert version.metadata["entry"] == "process_data"


def test_a_zip_with_two_entry_functions_is_refused_with_wallaroos_message(
    build: Build, tmp_path: Path
) -> None:
    archive = house_features_zip(tmp_path)
    with zipfile.ZipFile(archive, "a") as archive_file:
        archive_file.writestr(
            "house_features/postprocess.py", (STEPS / "weighted_sum.py").read_text()
        )
    with pytest.raises(ModelportError) as caught:
        build(archive, framework="python", input_schema=LISTINGS, output_schema=TENSOR)
    message = caught.value.message  # the build step's message, its hint after it
    assert message.startswith(SEVERAL_STEPS_MESSAGE)
    assert "Each of postprocess.py, preprocess.py defines one" in message


def test_a_py_step_importing_an_undeclared_package_is_told_how_to_declare_it(
    build: Build,
) -> None:
    if importlib.util.find_spec("statsmodels") is not None:
        pytest.skip("statsmodels is installed here: the step would import")
    with pytest.raises(ModelportError) as caught:
        build(
            STEPS / "arima_forecast.py",
            name="forecast",
            framework="python",
            input_schema=pa.schema([pa.field("history", pa.list_(pa.float64()))]),
            output_schema=pa.schema([pa.field("forecast", pa.float64())]),
        )
    message = caught.value.message
    assert message.startswith(
        "arima_forecast.py imports statsmodels, which the model's environment does not have"
    ), message
    assert "a requirements.txt naming statsmodels" in message
    assert "build the .zip with --framework python" in message
