"""``get_object_output_type()``: objects of the declared type that predict_on_objects returns
are written as JSON objects, on Odahu's route and on modelport's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .conftest import serving


@pytest.fixture(scope="module")
def receipt(odahu_home: Path, receipt_built: str) -> Iterator[httpx.Client]:
    with serving(odahu_home, receipt_built) as base, httpx.Client(base_url=base) as client:
        yield client


def test_output_objects_become_json(receipt: httpx.Client) -> None:
    orders = [
        {"item": "tea", "price": 1.5, "quantity": 2},
        {"item": "cake", "price": 3, "quantity": 1},
    ]
    invoke = receipt.post("/api/model/invoke", json=orders)
    assert invoke.status_code == 200, invoke.text
    assert invoke.json() == {
        "prediction": [{"item": "tea", "total": 3.0}, {"item": "cake", "total": 3}]
    }
    native = receipt.post("/v1/models/receipt/predict", json=orders)
    assert native.status_code == 200, native.text
    assert native.json() == [{"item": "tea", "total": 3.0}, {"item": "cake", "total": 3.0}]
