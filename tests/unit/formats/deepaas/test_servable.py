"""A DEEPaaS model object as a Servable: metadata, 501s, the response envelope and schema."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import marshmallow
import pyarrow as pa
import pytest
from marshmallow import fields

from modelport.batch import Batch
from modelport.errors import InvalidInput, ModelFailed
from modelport.formats.deepaas.entry_points import EntryPoint
from modelport.formats.deepaas.servable import DeepaasServable, NotImplementedByModel, read_raw


def servable(**functions: Any) -> DeepaasServable:
    return DeepaasServable(EntryPoint("m", "m.api"), SimpleNamespace(**functions))


def test_metadata_placeholder_when_the_model_has_none() -> None:
    assert servable().model_metadata()["name"] == "m"
    assert servable(get_metadata=lambda: {"name": "x", "description": "y"}).model_metadata() == {
        "name": "x",
        "description": "y",
    }


def test_missing_or_unimplemented_functions_are_501() -> None:
    def not_yet(**kwargs: Any) -> Any:
        raise NotImplementedError

    for model in (servable(), servable(predict=not_yet)):
        with pytest.raises(NotImplementedByModel) as caught:
            model.run_predict({})
        assert caught.value.status == 501


def test_warm_is_called_once_by_load() -> None:
    calls: list[str] = []
    servable(warm=lambda: calls.append("warm")).load()
    assert calls == ["warm"]


def test_rows_are_refused_with_the_route_to_use() -> None:
    with pytest.raises(InvalidInput, match="/v2/models/m/predict/"):
        servable().predict(Batch.from_table(pa.table({"x": [1]})))


def test_envelope_without_schema() -> None:
    assert servable().prediction_body([1, 2]) == {"status": "OK", "predictions": [1, 2]}


class Response(marshmallow.Schema):
    label = fields.Str(required=True)
    probability = fields.Float(required=True)


@pytest.mark.parametrize(
    "schema",
    [Response, {"label": fields.Str(required=True), "probability": fields.Float()}],
)
def test_schema_checks_the_response(schema: Any) -> None:
    model = DeepaasServable(EntryPoint("m", "m.api"), SimpleNamespace(schema=schema))
    good = {"label": "cat", "probability": 0.9}
    assert model.prediction_body(good) == good
    with pytest.raises(ModelFailed) as caught:
        model.prediction_body({"probability": 0.9})
    assert caught.value.field == "label"
    assert "label" in str(caught.value)


def test_raw_answers(tmp_path: Path) -> None:
    path = tmp_path / "x.png"
    path.write_bytes(b"png")
    opened = path.open("rb")
    assert read_raw(opened) == b"png"
    assert opened.closed
    assert read_raw(io.BytesIO(b"buf")) == b"buf"
    assert read_raw(b"raw") == b"raw"
    with pytest.raises(ModelFailed, match="dict"):
        read_raw({"not": "bytes"})
