"""An objects-mode, stateful OMAF artifact (a directory using ``odahuflow.project.yaml``) served
by ``modelport serve`` as a real process; the same files as a .tgz build the same artifact."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ..cli import run_cli
from .conftest import Built, serving, tgz_folder


@pytest.fixture(scope="module")
def counter(odahu_home: Path, built: Built) -> Iterator[httpx.Client]:
    with serving(odahu_home, "counter") as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


def test_imported_and_initialised_once_per_process(counter: httpx.Client) -> None:
    orders = [{"price": 2.5, "quantity": 3}, {"price": 0.1, "quantity": 7}]
    answers = [counter.post("/api/model/invoke", json=orders) for _ in range(3)]
    native = counter.post("/v1/models/counter/predict", json=orders)
    for answer in [*answers, native]:
        assert answer.status_code == 200, answer.text
    calls = [answer.json()["prediction"][0]["calls"] for answer in answers]
    assert calls == [calls[0], calls[0] + 1, calls[0] + 2]
    assert native.json()[0]["calls"] == calls[0] + 3
    for rows in [answer.json()["prediction"] for answer in answers] + [native.json()]:
        assert {(row["imports"], row["inits"]) for row in rows} == {(1, 1)}


def test_objects_go_through_the_input_type_and_the_custom_serializer(
    counter: httpx.Client,
) -> None:
    answer = counter.post("/api/model/invoke", json=[{"price": 2.5, "quantity": 3}])
    assert answer.status_code == 200, answer.text
    assert answer.json()["prediction"][0]["total"] == "7.50"  # Decimal, by DecimalAsText
    assert answer.headers["Model-Name"] == "Counter"
    assert answer.headers["Model-Version"] == "2.0"
    native = counter.post("/v1/models/counter/predict", json=[{"price": 0.1, "quantity": 7}])
    assert native.json()[0]["total"] == "0.70"


def test_objects_mode_reads_columns_and_data_too(counter: httpx.Client) -> None:
    answer = counter.post(
        "/api/model/invoke", json={"columns": ["quantity", "price"], "data": [[4, 1.25]]}
    )
    assert answer.json()["prediction"][0]["total"] == "5.00"


def test_info_route_of_an_info_function(counter: httpx.Client) -> None:
    swagger = counter.get("/api/model/info").json()
    request = swagger["paths"]["/api/model/invoke"]["post"]["parameters"][0]["schema"]["properties"]
    assert request["columns"]["example"] == ["price", "quantity"]
    assert request["data"]["example"] == [[2.5, 3]]


def test_tgz_of_the_same_files_is_the_same_artifact(
    odahu_home: Path,
    built: Built,
    counter_folder: Path,
    tmp_path: Path,
) -> None:
    archive = tgz_folder(counter_folder, tmp_path / "counter.tgz")
    result = run_cli("build", str(archive), "--env", "inherit", "--json", home=odahu_home)
    assert result.code == 0, result.stderr
    assert result.json()["created"] is False
    assert result.json()["version"]["digest"] == built["counter"]["digest"]
