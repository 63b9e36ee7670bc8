"""The OpenAPI document built from served models' signatures (no HTTP)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any

import jsonschema
import pandas as pd
import pyarrow as pa
import pytest
from openapi_spec_validator import validate

import modelport
from modelport import Field, Signature
from modelport.codecs.csv import decode_csv
from modelport.formats.native.python_model import PythonModelServable
from modelport.schema import to_json_schema, to_v2_tensor_metadata
from modelport.serving.app import create_app
from modelport.serving.models import ModelSet
from modelport.serving.openapi.bodies import NOT_FINITE
from modelport.serving.openapi.document import KNOWN_ROUTES, build_openapi
from modelport.serving.openapi.examples import v2_tensors
from modelport.serving.protocols.docs import DocumentCache
from modelport.serving.runtime import ModelRuntime

KINDS = Signature(
    inputs=[
        Field("x", float),
        Field("count", int),
        Field("city", str),
        Field("member", bool),
        Field("score", float, nullable=True),
        Field("image", "float32", shape=(2, 3)),
        Field("tags", list[str]),
    ],
    outputs=[Field("label", str), Field("p", float)],
)
SCALARS = Signature(
    inputs=[Field("a", float), Field("b", "int32"), Field("name", str), Field("ok", bool)],
    outputs=[Field("sum", float)],
)
PROBLEM_STATUSES = ("400", "404", "406", "413", "415", "422", "500", "504")


class Frames(modelport.Model):
    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"label": ["a"] * len(df), "p": [0.5] * len(df)})


class Echo(modelport.Model):
    def predict(self, rows: list[Any]) -> list[Any]:
        return rows


class WithExample(modelport.Model):
    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        return df

    def input_example(self) -> Any:
        return [{"when": date(2024, 5, 17), "v": 2.5}, {"when": date(2024, 5, 18), "v": 3.5}]


class Streams(modelport.Model):
    def predict(self, df: pd.DataFrame) -> Iterator[str]:
        yield "chunk"


class AsyncStreams(modelport.Model):
    async def predict(self, df: pd.DataFrame) -> AsyncIterator[str]:
        yield "chunk"


def runtime(
    model: modelport.Model, name: str, signature: Signature, version: int | None = None
) -> ModelRuntime:
    return ModelRuntime(PythonModelServable(model, name=name, signature=signature), version=version)


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    models = ModelSet(
        [
            runtime(Frames(), "kinds", KINDS),
            runtime(Frames(), "scalars", SCALARS),
            runtime(Echo(), "echo", Signature.free()),
        ]
    )
    return build_openapi(models)


def component(doc: dict[str, Any], name: str) -> Any:
    return doc["components"]["schemas"][name]


def resolve(doc: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    """A component response or schema a ``$ref`` points at (one level)."""
    if "$ref" not in item:
        return item
    found: Any = doc
    for part in item["$ref"].removeprefix("#/").split("/"):
        found = found[part]
    assert isinstance(found, dict)
    return found


def examples_of(media: dict[str, Any]) -> list[Any]:
    if "example" in media:
        return [media["example"]]
    return [e["value"] for e in media.get("examples", {}).values()]


def check_examples(doc: dict[str, Any]) -> int:
    """Validate every example in the document against its own schema; how many were."""
    checked = 0
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            bodies = [operation.get("requestBody", {})]
            bodies += [resolve(doc, r) for r in operation["responses"].values()]
            for body in bodies:
                for media_type, media in body.get("content", {}).items():
                    schema = {**media["schema"], "components": doc["components"]}
                    validator = jsonschema.Draft202012Validator(schema)
                    for example in examples_of(media):
                        errors = [e.message for e in validator.iter_errors(example)]
                        assert not errors, (method, path, media_type, errors)
                        checked += 1
    return checked


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert document["info"]["version"] == modelport.__version__


def test_every_example_validates_against_its_own_schema(document: dict[str, Any]) -> None:
    assert check_examples(document) > 20


def test_native_predict_takes_records_of_the_input_row_schema(document: dict[str, Any]) -> None:
    operation = document["paths"]["/v1/models/kinds/predict"]["post"]
    row = component(document, "kinds.Input")
    assert row == {"title": "kinds input row", **to_json_schema(KINDS, side="inputs")}
    assert row["properties"]["score"]["type"] == ["number", "null"]
    assert "score" not in row["required"] and "x" in row["required"]
    assert row["properties"]["image"]["items"]["maxItems"] == 3
    assert row["properties"]["tags"] == {"type": "array", "items": {"type": "string"}}

    content = operation["requestBody"]["content"]
    records, split, columns = content["application/json"]["schema"]["anyOf"]
    assert records["items"] == {"$ref": "#/components/schemas/kinds.Input"}
    assert split["required"] == ["columns", "data"]
    assert columns["properties"]["city"] == {
        "type": "array",
        "items": {"type": "string"},
        "minItems": 1,  # no empty batch (422)
    }
    assert records["minItems"] == split["properties"]["data"]["minItems"] == 1
    assert set(content) == {
        "application/json",
        "text/csv",
        "application/vnd.apache.arrow.stream",
        "application/vnd.apache.arrow.file",
        "application/vnd.apache.parquet",
    }
    assert content["application/vnd.apache.parquet"]["schema"]["format"] == "binary"
    (parameter,) = operation["parameters"]
    assert parameter["in"] == "query"
    enum = parameter["schema"]["enum"]  # every orient the server reads, and pandas-<orient>
    assert enum[:3] == ["records", "split", "columns"]
    assert {"index", "table", "values", "pandas-split"} <= set(enum)

    answer = operation["responses"]["200"]["content"]
    assert answer["application/json"]["schema"]["items"] == {
        "$ref": "#/components/schemas/kinds.Output"
    }
    assert {"application/vnd.apache.arrow.stream", "text/csv"} <= set(answer)


def test_a_made_up_example_holds_a_value_of_each_kind(document: dict[str, Any]) -> None:
    media = document["paths"]["/v1/models/kinds/predict"]["post"]["requestBody"]["content"]
    examples = media["application/json"]["examples"]
    (row,) = examples["records"]["value"]
    assert isinstance(row["x"], float) and isinstance(row["score"], float)
    assert isinstance(row["count"], int) and not isinstance(row["count"], bool)
    assert isinstance(row["city"], str) and row["member"] is True
    assert len(row["image"]) == 2 and all(len(inner) == 3 for inner in row["image"])
    assert row["tags"] and all(isinstance(tag, str) for tag in row["tags"])
    assert examples["split"]["value"]["columns"] == [f.name for f in KINDS.inputs]
    assert examples["columns"]["value"]["image"] == [row["image"]]
    assert "example" not in media["text/csv"]  # lists and tensors have no CSV form


def test_a_scalar_model_gets_a_csv_example_that_reads_back(document: dict[str, Any]) -> None:
    media = document["paths"]["/v1/models/scalars/predict"]["post"]["requestBody"]["content"]
    rows = media["application/json"]["examples"]["records"]["value"]
    table = decode_csv(media["text/csv"]["example"].encode(), schema=SCALARS.input_schema)
    assert table.to_pylist() == rows


def test_problem_responses_are_one_shared_component(document: dict[str, Any]) -> None:
    responses = document["paths"]["/v1/models/kinds/predict"]["post"]["responses"]
    assert set(PROBLEM_STATUSES) <= set(responses)
    problem = component(document, "Problem")
    assert {"type", "title", "status", "detail", "instance", "field"} <= set(problem["properties"])
    for status in PROBLEM_STATUSES:
        response = resolve(document, responses[status])
        media = response["content"]["application/problem+json"]
        assert media["schema"] == {"$ref": "#/components/schemas/Problem"}
        assert media["example"]["status"] == int(status)


def test_kserve_v1_predict_wraps_rows_in_instances(document: dict[str, Any]) -> None:
    operation = document["paths"]["/v1/models/kinds:predict"]["post"]
    media = operation["requestBody"]["content"]["application/json"]
    assert media["schema"]["properties"]["instances"]["items"] == {
        "$ref": "#/components/schemas/kinds.Input"
    }
    assert media["example"]["instances"][0]["city"] == "text"
    single = document["paths"]["/v1/models/scalars:predict"]["post"]["responses"]["200"]
    predictions = single["content"]["application/json"]["schema"]["properties"]["predictions"]
    one = to_json_schema(SCALARS.outputs[0])  # one output: its value, null where not finite
    assert predictions["items"] == {**one, "type": ["number", "null"], "description": NOT_FINITE}


def test_v2_infer_describes_the_models_tensors(document: dict[str, Any]) -> None:
    request = component(document, "kinds.V2InferenceRequest")
    tensors = {t["title"]: t for t in request["properties"]["inputs"]["items"]["oneOf"]}
    assert set(tensors) == {f.name for f in KINDS.inputs}
    image = tensors["image"]["properties"]
    assert image["datatype"] == {"const": "FP32"}
    assert image["shape"]["minItems"] == image["shape"]["maxItems"] == 3
    assert tensors["city"]["properties"]["datatype"] == {"const": "BYTES"}
    required = [
        c["contains"]["properties"]["name"]["const"]
        for c in request["properties"]["inputs"]["allOf"]
    ]
    assert "score" not in required and "image" in required

    operation = document["paths"]["/v2/models/kinds/infer"]["post"]
    example = operation["requestBody"]["content"]["application/json"]["example"]
    by_name = {t["name"]: t for t in example["inputs"]}
    assert by_name["image"]["shape"] == [1, 2, 3] and len(by_name["image"]["data"]) == 6
    assert by_name["tags"]["shape"] == [1, 2]

    metadata = document["paths"]["/v2/models/{name}"]["get"]
    value = metadata["responses"]["200"]["content"]["application/json"]["examples"]["kinds"]
    assert value["value"]["inputs"] == [to_v2_tensor_metadata(f) for f in KINDS.inputs]
    (name,) = metadata["parameters"]
    assert name["schema"]["enum"] == ["echo", "kinds", "scalars"]


def test_a_free_form_model_takes_any_json(document: dict[str, Any]) -> None:
    operation = document["paths"]["/v1/models/echo/predict"]["post"]
    media = operation["requestBody"]["content"]["application/json"]
    assert media["schema"] == {}
    assert "example" not in media and "examples" not in media
    assert "echo.Input" not in document["components"]["schemas"]
    kserve = document["paths"]["/v1/models/echo:predict"]["post"]["requestBody"]
    instances = kserve["content"]["application/json"]["schema"]["properties"]["instances"]
    assert instances["items"] == {}
    request = component(document, "echo.V2InferenceRequest")
    assert request["properties"]["inputs"]["items"] == {"$ref": "#/components/schemas/V2Tensor"}


def test_every_known_route_is_documented(document: dict[str, Any]) -> None:
    paths = document["paths"]
    for method, template in KNOWN_ROUTES:
        concrete = template.replace("{name}", "kinds").replace("{version}", "1")
        operation = paths.get(concrete, paths.get(template, {})).get(method.lower())
        assert operation is not None, (method, template)
    ids = [op["operationId"] for ops in paths.values() for op in ops.values()]
    assert len(ids) == len(set(ids))


def test_the_models_own_example_is_used() -> None:
    signature = Signature([Field("when", date), Field("v", float)], [Field("v", float)])
    doc = build_openapi(ModelSet([runtime(WithExample(), "dated", signature)]))
    media = doc["paths"]["/v1/models/dated/predict"]["post"]["requestBody"]["content"]
    records = media["application/json"]["examples"]["records"]["value"]
    assert records == [{"when": "2024-05-17", "v": 2.5}, {"when": "2024-05-18", "v": 3.5}]
    assert media["text/csv"]["example"] == "when,v\n2024-05-17,2.5\n2024-05-18,3.5\n"
    v2 = doc["paths"]["/v2/models/dated/infer"]["post"]["requestBody"]["content"]
    dates = v2["application/json"]["example"]["inputs"][0]
    assert dates == {
        "name": "when",
        "datatype": "BYTES",
        "shape": [2],
        "data": ["2024-05-17", "2024-05-18"],
    }
    validate(doc)
    check_examples(doc)


def test_versions_get_their_own_paths_and_components() -> None:
    old = Signature([Field("x", float)], [Field("y", float)])
    new = Signature([Field("x", float), Field("z", int)], [Field("y", float)])
    models = ModelSet(
        [runtime(Frames(), "m", old, version=1), runtime(Frames(), "m", new, version=2)]
    )
    doc = build_openapi(models)
    validate(doc)
    paths = doc["paths"]
    items = "#/components/schemas/m.v{}.Input"

    def records_items(path: str) -> Any:
        content = paths[path]["post"]["requestBody"]["content"]["application/json"]
        return content["schema"]["anyOf"][0]["items"]["$ref"]

    assert records_items("/v1/models/m/predict") == items.format(2)  # the newest answers
    assert records_items("/v1/models/m/versions/1/predict") == items.format(1)
    assert records_items("/v1/models/m/versions/2/predict") == items.format(2)
    assert set(component(doc, "m.v2.Input")["properties"]) == {"x", "z"}
    version = paths["/v2/models/{name}/versions/{version}/ready"]["get"]["parameters"][1]
    assert version["schema"]["enum"] == ["1", "2"]


@pytest.mark.parametrize("model", [Streams(), AsyncStreams()])
def test_a_streaming_model_answers_in_chunks(model: modelport.Model) -> None:
    doc = build_openapi(ModelSet([runtime(model, "s", SCALARS)]))
    answer = doc["paths"]["/v1/models/s/predict"]["post"]["responses"]["200"]["content"]
    assert set(answer) == {"application/x-ndjson", "text/event-stream"}


def test_only_the_apps_routes_are_listed_and_unknown_ones_keep_their_parameters() -> None:
    models = ModelSet([runtime(Frames(), "kinds", KINDS)])
    routes = [("POST", "/v1/models/{name}/predict"), ("GET", "/things/{id:int}/parts/{part}")]
    doc = build_openapi(models, routes)
    validate(doc)
    assert set(doc["paths"]) == {"/v1/models/kinds/predict", "/things/{id}/parts/{part}"}
    operation = doc["paths"]["/things/{id}/parts/{part}"]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["id", "part"]


def test_model_names_are_escaped_in_paths_and_component_keys() -> None:
    doc = build_openapi(ModelSet([runtime(Frames(), "my model", KINDS)]))
    validate(doc)
    assert "/v1/models/my%20model/predict" in doc["paths"]
    assert "my_model.Input" in doc["components"]["schemas"]


def test_v2_examples_are_left_out_for_ragged_or_null_columns() -> None:
    tags = Field("tags", list[str])
    assert v2_tensors([{"tags": ["a", "b"]}, {"tags": ["c"]}], [tags]) is None
    assert v2_tensors([{"tags": None}], [tags]) is None
    assert v2_tensors([{"tags": ["a"]}], [tags]) == [
        {"name": "tags", "datatype": "BYTES", "shape": [1, 1], "data": ["a"]}
    ]


def test_an_example_table_reads_as_the_schema_says() -> None:
    """The made-up values are accepted by Arrow as the field's type (no lossy cast)."""
    doc = build_openapi(ModelSet([runtime(Frames(), "kinds", KINDS)]))
    media = doc["paths"]["/v1/models/kinds/predict"]["post"]["requestBody"]["content"]
    rows = media["application/json"]["examples"]["records"]["value"]
    table = pa.Table.from_pylist(rows, schema=KINDS.input_schema)
    assert table.to_pylist() == rows


def test_the_document_is_kept_once_every_model_is_ready() -> None:
    loading = runtime(Frames(), "kinds", KINDS)
    models = ModelSet([loading])
    cache = DocumentCache(models, "modelport")
    app_routes = create_app(models).routes
    early = cache.body(app_routes)
    assert early is not cache.body(app_routes)  # not kept while a model loads
    loading.load()
    kept = cache.body(app_routes)
    assert kept is cache.body(app_routes)
    assert b"/v1/models/kinds/predict" in kept


def test_a_float_answer_may_be_null_where_it_is_not_finite(document: dict[str, Any]) -> None:
    """JSON has no NaN or infinity: the server answers null for them (found by make fuzz: two
    huge inputs whose sum overflowed)."""
    schemas = document["components"]["schemas"]
    output = next(schema for name, schema in schemas.items() if name.endswith("kinds.Output"))
    assert output["properties"]["p"]["type"] == ["number", "null"]
    assert "not finite" in output["properties"]["p"]["description"]
    assert output["properties"]["label"]["type"] == "string"
