"""What a client gets of a result frame: the groups its query string keeps, flat or nested."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import orjson
import pyarrow as pa
import pytest
from starlette.datastructures import QueryParams

from modelport.errors import InvalidInput
from modelport.formats.wallaroo.answers import (
    ENGINE_DEFAULT,
    SDK_DEFAULT,
    Datasets,
    arrow_frame,
    encode_json,
)
from modelport.formats.wallaroo.frames import RunMetadata, result_frame

WHEN = datetime(2026, 12, 1, 8, 30, 0, 123000, tzinfo=UTC)
MILLIS = int(WHEN.replace(microsecond=0).timestamp()) * 1000 + 123


def _frame() -> pa.Table:
    inputs = pa.table({"tensor": [[1.0, 2.0], [3.0, 4.0]]})
    outputs = pa.table({"variable": [[0.5], [0.9]]})
    anomalies = {"too_high": np.array([False, True])}
    run = RunMetadata("house-price", "ab12", "3", [1200, 35000], "engine-1")
    return result_frame(WHEN, inputs, outputs, anomalies, run)


def _query(text: str, default: Datasets = ENGINE_DEFAULT) -> Datasets:
    return Datasets.from_query(QueryParams(text), default=default)


def test_the_frame_holds_every_group_of_wallaroos_engine() -> None:
    assert _frame().column_names == [
        "time",
        "in.tensor",
        "out.variable",
        "anomaly.count",
        "anomaly.too_high",
        "metadata.last_model",
        "metadata.pipeline_version",
        "metadata.elapsed",
        "metadata.dropped",
        "metadata.partition",
    ]
    assert _frame().column("anomaly.count").to_pylist() == [0, 1]


def test_a_request_that_says_nothing_gets_nested_records_with_metadata() -> None:
    first, second = orjson.loads(encode_json(_frame(), _query("")))
    assert first == {
        "time": MILLIS,
        "in": {"tensor": [1.0, 2.0]},
        "out": {"variable": [0.5]},
        "anomaly": {"count": 0, "too_high": False},
        "metadata": {
            "last_model": '{"model_name":"house-price","model_sha":"ab12"}',
            "pipeline_version": "3",
            "elapsed": [1200, 35000],
            "dropped": [],
            "partition": "engine-1",
        },
    }
    assert second["anomaly"] == {"count": 1, "too_high": True}


def test_the_sdks_query_gets_flat_columns_without_metadata() -> None:
    query = "dataset[]=*&dataset.exclude[]=metadata&dataset.separator=."
    records = orjson.loads(encode_json(_frame(), _query(query)))
    assert list(records[0]) == [
        "time",
        "in.tensor",
        "out.variable",
        "anomaly.count",
        "anomaly.too_high",
    ]
    assert _query(query) == SDK_DEFAULT


def test_a_more_specific_include_beats_an_exclude() -> None:
    query = "dataset[]=*&dataset[]=metadata.elapsed&dataset.exclude[]=metadata&dataset.separator=."
    [record, _] = orjson.loads(encode_json(_frame(), _query(query)))
    assert record["metadata.elapsed"] == [1200, 35000]
    assert "metadata.partition" not in record
    same = _query("dataset[]=metadata&dataset.exclude[]=metadata")
    assert same.select(_frame()).num_columns == 0


def test_groups_and_columns_can_be_chosen_and_flattened() -> None:
    chosen = _query("dataset[]=time&dataset[]=out&dataset.flatten=true")
    assert list(orjson.loads(encode_json(_frame(), chosen))[0]) == ["time", "out.variable"]
    dashed = _query("dataset[]=out&dataset.separator=_")
    assert list(orjson.loads(encode_json(_frame(), dashed))[0]) == ["out_variable"]
    nested = _query("dataset.flatten=false", default=SDK_DEFAULT)
    assert orjson.loads(encode_json(_frame(), nested))[0]["out"] == {"variable": [0.5]}


def test_a_route_default_applies_only_when_the_query_says_nothing() -> None:
    assert _query("", default=SDK_DEFAULT) == SDK_DEFAULT
    assert _query("dataset[]=metadata", default=SDK_DEFAULT).exclude == ()


def test_arrow_answers_are_flat_with_time_in_epoch_milliseconds() -> None:
    table = arrow_frame(_frame(), _query(""))
    assert table.column_names[:3] == ["time", "in.tensor", "out.variable"]
    assert table.schema.field("time").type == pa.int64()
    assert table.column("time").to_pylist() == [MILLIS, MILLIS]


def test_flatten_must_be_a_boolean() -> None:
    with pytest.raises(InvalidInput, match=r"dataset\.flatten is 'maybe'"):
        _query("dataset.flatten=maybe")
