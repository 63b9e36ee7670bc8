"""Qwak models served by ``modelport serve``: the Qwak client's route ``/v1/{model}/predict``
(pandas split, records and columns JSON in; records JSON out), the generic protocols, and errors
naming the field."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest

from modelport.testing import ServerProcess, start_server

from ..cli import Result
from ..printed_curl import printed_curl, send_curl

SPLIT = "application/json; format=pandas-split"
FLOWERS = pd.DataFrame(
    [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]],
    columns=["sepal_length", "sepal_width", "petal_length", "petal_width"],
)


@pytest.fixture(scope="module")
def served(
    qwak_cli: Callable[..., Result],
    qwak_project: Callable[..., Path],
    qwak_home: Path,
    spec_build: tuple[str, Result],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, ServerProcess]]:
    """The spec's model (``iris-anatomy``) and ``prices-served`` (JSON adapters,
    initialize_model), each served by its own ``modelport serve`` process."""
    logs = tmp_path_factory.mktemp("qwak-serve-logs")
    prices = qwak_project("csv_model", "prices-served")
    built = qwak_cli("build", str(prices), "--env", "inherit", "--skip-tests")
    assert built.code == 0, built.stderr
    assert spec_build[1].code == 0, spec_build[1].stderr
    servers: dict[str, ServerProcess] = {}
    try:
        for name in (spec_build[0], "prices-served"):
            servers[name] = start_server(
                name, model=name, env={"MODELPORT_HOME": str(qwak_home)}, log_dir=logs
            )
        yield servers
    finally:
        for server in servers.values():
            server.stop()


@pytest.fixture(scope="module")
def iris(served: dict[str, ServerProcess]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served["iris-anatomy"].url, timeout=30) as client:
        yield client


def test_pandas_split_json_as_the_qwak_client_sends_a_dataframe(iris: httpx.Client) -> None:
    body = FLOWERS.to_json(orient="split", index=False)
    answer = iris.post("/v1/iris-anatomy/predict", content=body, headers={"content-type": SPLIT})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == [{"species": 0}, {"species": 2}]


def test_an_extra_column_reaches_predict_as_on_qwak(iris: httpx.Client) -> None:
    rows = FLOWERS.assign(customer_id=[7, 8]).to_dict(orient="records")
    answer = iris.post("/v1/iris-anatomy/predict", json=rows)
    # the spec's SVC was fitted on four columns: the fifth reaches it, and it refuses it
    assert answer.status_code == 500
    assert "ValueError" in answer.text and "5 features" in answer.text


@pytest.mark.parametrize("with_index", [True, False])
def test_columns_json(iris: httpx.Client, with_index: bool) -> None:
    body = (
        FLOWERS.to_json(orient="columns")
        if with_index
        else pd.Series(FLOWERS.to_dict(orient="list")).to_json()
    )
    answer = iris.post(
        "/v1/iris-anatomy/predict", content=body, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == [{"species": 0}, {"species": 2}]


def test_a_request_missing_a_schema_column_is_refused_naming_it(iris: httpx.Client) -> None:
    rows = FLOWERS.drop(columns="petal_width").to_dict(orient="records")
    answer = iris.post("/v1/iris-anatomy/predict", json=rows)
    assert 400 <= answer.status_code < 500
    assert "petal_width" in answer.text
    body = FLOWERS.drop(columns="petal_width").to_json(orient="split", index=False)
    split = iris.post("/v1/iris-anatomy/predict", content=body, headers={"content-type": SPLIT})
    assert 400 <= split.status_code < 500
    assert "petal_width" in split.text


def test_malformed_json_is_a_400(iris: httpx.Client) -> None:
    answer = iris.post(
        "/v1/iris-anatomy/predict", content=b"[{", headers={"content-type": "application/json"}
    )
    assert answer.status_code == 400


def test_the_generic_protocols_serve_the_same_model(iris: httpx.Client) -> None:
    rows = FLOWERS.to_dict(orient="records")
    native = iris.post("/v1/models/iris-anatomy/predict", json=rows)
    assert native.json() == [{"species": 0}, {"species": 2}]
    metadata = iris.get("/v2/models/iris-anatomy").json()
    assert [i["name"] for i in metadata["inputs"]] == list(FLOWERS.columns)
    assert [o["name"] for o in metadata["outputs"]] == ["species"]


def test_json_adapters_and_initialize_model_once_per_process(
    served: dict[str, ServerProcess],
) -> None:
    server = served["prices-served"]
    with httpx.Client(base_url=server.url, timeout=30) as client:
        answers = [
            client.post("/v1/prices-served/predict", json=[{"size": 12}, {"size": 28}])
            for _ in range(3)
        ]
    for answer in answers:
        assert answer.status_code == 200, answer.text
    rows = [row for answer in answers for row in answer.json()]
    assert [row["price"] for row in rows[:2]] == [100.0, 290.0]
    pid = server.process.pid
    workers = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    assert {row["pid"] for row in rows} <= {pid, *map(int, workers)}  # the server or a worker
    assert {row["initializations"] for row in rows} == {1}  # not once per request or worker


def test_only_qwak_models_answer_on_the_qwak_route(iris: httpx.Client) -> None:
    answer = iris.post("/v1/not-served/predict", json=[{"x": 1}])
    assert answer.status_code == 404
    assert "not-served" in answer.text


@pytest.mark.parametrize("name", ["iris-anatomy", "prices-served"])
def test_the_printed_curl_line_answers(served: dict[str, ServerProcess], name: str) -> None:
    answer = send_curl(printed_curl(served[name].output()))
    assert answer.status_code == 200, answer.text
