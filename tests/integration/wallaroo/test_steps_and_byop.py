"""Python steps and BYOP models built, registered and served (in-process, over ASGI)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import numpy as np
import pyarrow as pa
import pytest
from starlette.testclient import TestClient

from modelport.pipelines import editing
from modelport.pipelines.loading import load_pipeline
from modelport.pipelines.store import PipelineStore
from modelport.registry.entities import ModelVersion
from modelport.registry.store import RegistryStore
from modelport.serving.app import create_app
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime
from modelport.settings import Settings
from modelport.testing import app_client

from .conftest import STEPS, TENSOR_SCHEMA, WEIGHTED_SCHEMA, WEIGHTS, Build, serving

ROWS = [
    {"tensor": [1.0, 2.0, 3.0, 4.0]},
    {"tensor": [0.0, 0.0, 1.0, 0.0]},
    {"tensor": [-2.0, 5.0, 0.5, 8.0]},
]
SCHEMAS = {"input_schema": TENSOR_SCHEMA, "output_schema": WEIGHTED_SCHEMA}
LEGACY_IN = pa.schema([pa.field("dense_2", pa.list_(pa.float64(), 1))])
LEGACY_OUT = pa.schema([pa.field("output", pa.list_(pa.float64()))])


def expected() -> list[dict[str, float]]:
    tensor = np.array([row["tensor"] for row in ROWS])
    return [
        {"weighted": float(w), "largest": float(m)}
        for w, m in zip(tensor @ WEIGHTS, tensor.max(axis=1), strict=True)
    ]


@pytest.fixture(scope="module")
def server(
    build: Build,
    weighted_step: ModelVersion,
    byop_model: ModelVersion,
    store: RegistryStore,
    settings: Settings,
) -> Iterator[TestClient]:
    versions = [
        weighted_step,
        build(STEPS / "async_weighted_sum.py", name="async-step", **SCHEMAS),
        byop_model,
        build(STEPS / "wrong_output_type.py", name="wrong-type", **SCHEMAS),
        build(STEPS / "drops_a_row.py", name="drops-a-row", **SCHEMAS),
        build(STEPS / "raises.py", name="raises", **SCHEMAS),
        build(
            STEPS / "legacy_frame.py",
            name="legacy-frame",
            input_schema=LEGACY_IN,
            output_schema=LEGACY_OUT,
        ),
        build(
            STEPS / "legacy_string.py",
            name="legacy-string",
            input_schema=LEGACY_IN,
            output_schema=LEGACY_OUT,
        ),
    ]
    with serving(store, settings, versions) as client:
        yield client


def predict(server: TestClient, model: str, rows: list[dict[str, object]]) -> httpx2.Response:
    return server.post(f"/v1/models/{model}/predict", json=rows)


def test_a_python_step_and_a_byop_model_with_the_same_logic_answer_alike(
    server: TestClient,
) -> None:
    step = predict(server, "step", ROWS)
    byop = predict(server, "byop", ROWS)
    assert step.status_code == 200, step.text
    assert byop.status_code == 200, byop.text
    assert step.json() == byop.json() == expected()


def test_a_pipeline_with_a_byop_step_answers_the_result_frame(
    byop_model: ModelVersion, store: RegistryStore, settings: Settings
) -> None:
    with PipelineStore.open(settings=settings) as pipes:
        stores = {"registry": store, "pipelines": pipes}
        editing.create_pipeline("byop-pipeline", steps=[byop_model.ref], **stores)
        editing.add_validation("byop-pipeline", "small", "out.weighted < 5", **stores)
        servable = load_pipeline(
            "byop-pipeline", registry=store, pipelines=pipes, settings=settings
        )
    runtime = ModelRuntime(servable, version=servable.version.number)
    runtime.load()
    with app_client(create_app(ModelSet([runtime]))) as client:
        response = client.post("/v1/pipelines/byop-pipeline/infer", json=ROWS)
    assert response.status_code == 200, response.text
    frame = response.json()
    assert list(frame[0]) == [
        "time",
        "in.tensor",
        "out.weighted",
        "out.largest",
        "anomaly.count",
        "anomaly.small",
    ]
    assert [r["in.tensor"] for r in frame] == [row["tensor"] for row in ROWS]
    outputs = [{"weighted": r["out.weighted"], "largest": r["out.largest"]} for r in frame]
    assert outputs == expected()
    assert [r["anomaly.count"] for r in frame] == [1, 0, 0]  # 5.5 is not under 5


def test_an_async_process_data_is_awaited(server: TestClient) -> None:
    answer = predict(server, "async-step", ROWS)
    assert answer.status_code == 200, answer.text
    assert answer.json() == expected()


def test_input_columns_are_read_by_name_in_any_order_over_v2(server: TestClient) -> None:
    body = {
        "inputs": [
            {"name": "tensor", "shape": [1, 4], "datatype": "FP64", "data": [1, 2, 3, 4]},
        ]
    }
    answer = server.post("/v2/models/byop/infer", json=body)
    assert answer.status_code == 200, answer.text
    outputs = {o["name"]: o["data"] for o in answer.json()["outputs"]}
    assert outputs == {"weighted": [5.5], "largest": [4.0]}


@pytest.mark.parametrize("model", ["legacy-frame", "legacy-string"])
def test_legacy_wallaroo_json_steps_in_both_variants(server: TestClient, model: str) -> None:
    answer = predict(server, model, [{"dense_2": [1.5]}, {"dense_2": [-0.25]}])
    assert answer.status_code == 200, answer.text
    assert answer.json() == [{"output": [15.0]}, {"output": [-2.5]}]


def test_a_step_whose_output_breaks_its_schema_is_a_500_naming_the_column(
    server: TestClient,
) -> None:
    answer = predict(server, "wrong-type", ROWS)
    assert answer.status_code == 500
    problem = answer.json()
    assert problem["field"] == "weighted"
    assert "does not match the output schema" in problem["detail"]
    assert "double" in problem["detail"]


def test_a_step_returning_fewer_rows_than_it_was_given_is_a_500(server: TestClient) -> None:
    answer = predict(server, "drops-a-row", ROWS)
    assert answer.status_code == 500
    assert "2 rows for 3 input rows" in answer.json()["detail"]


def test_a_step_that_raises_is_a_500_with_its_message_and_the_server_goes_on(
    server: TestClient,
) -> None:
    answer = predict(server, "raises", ROWS)
    assert answer.status_code == 500
    assert "the step broke on purpose" in answer.json()["detail"]
    assert predict(server, "step", ROWS).status_code == 200


def test_a_ragged_tensor_is_refused_before_the_step_runs(server: TestClient) -> None:
    rows = [{"tensor": [1.0, 2.0, 3.0, 4.0]}, {"tensor": [1.0, 2.0]}]
    answer = predict(server, "step", rows)
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["field"] == "tensor"
    assert "ragged tensor: row 1 has 2 values where every row needs 4" in problem["detail"]


def test_floats_mixed_with_strings_in_a_tensor_are_refused(server: TestClient) -> None:
    rows = [{"tensor": [1.0, "Bob", 3.0, 4.0]}, {"tensor": [1.0, 2.0, 3.0, 4.0]}]
    answer = predict(server, "step", rows)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["field"] == "tensor"
    assert "values of mixed or unsupported types in column 'tensor'" in problem["detail"]


def test_columns_of_unequal_rows_are_refused(server: TestClient) -> None:
    body = {
        "inputs": [
            {"name": "tensor", "shape": [2, 4], "datatype": "FP64", "data": [1.0] * 8},
            {"name": "extra", "shape": [1], "datatype": "FP64", "data": [1.0]},
        ]
    }
    answer = server.post("/v2/models/step/infer", json=body)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["field"] == "extra"
    assert "input 'extra' has 1 rows, 'tensor' has 2" in problem["detail"]
