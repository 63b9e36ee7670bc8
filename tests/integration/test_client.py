"""modelport.Client and modelport.AsyncClient against real servers on loopback ports, and the
``modelport predict`` command.

The client tests serve small in-process models with uvicorn in a thread, and ask a real
``modelport serve`` subprocess of the session's registered ``echo`` model (basic template),
which the ``predict`` tests run the real command against too.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import modelport
from modelport import Field, Signature, errors
from modelport.formats.native.python_model import PythonModelServable
from modelport.serving.app import create_app
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime
from modelport.testing import ServerProcess, free_port, serve_app, start_server

from .cli import Result

XY = Signature(inputs=[Field("x", float), Field("y", float)], outputs=[Field("sum", float)])


class Adder(modelport.Model):
    def predict(self, batch: np.ndarray) -> np.ndarray:
        return batch.sum(axis=1)

    def schema(self) -> Signature:
        return XY


class Labeller(modelport.Model):
    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame(
            {"label": [f"{t}#{n}" for t, n in zip(df["text"], df["n"], strict=True)]}
        )

    def schema(self) -> Signature:
        return Signature(
            inputs=[Field("text", str), Field("n", int)], outputs=[Field("label", str)]
        )


class Broken(modelport.Model):
    def predict(self, batch: np.ndarray) -> np.ndarray:
        raise ValueError("the model is broken today")

    def schema(self) -> Signature:
        return XY


class Sleeper(modelport.Model):
    def predict(self, batch: np.ndarray) -> np.ndarray:
        time.sleep(float(batch[0, 0]))
        return batch.sum(axis=1)

    def schema(self) -> Signature:
        return XY


def _runtime(model: modelport.Model, name: str) -> ModelRuntime:
    servable = PythonModelServable(model, name=name, signature=model.schema())
    runtime = ModelRuntime(servable, version=1, inline=False)
    runtime.load()
    return runtime


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    models = [(Adder(), "adder"), (Labeller(), "labeller"), (Broken(), "broken")]
    models.append((Sleeper(), "sleeper"))
    app = create_app(ModelSet([_runtime(m, name) for m, name in models]))
    with serve_app(app) as url:
        yield url


# --- predict over JSON and Arrow ----------------------------------------------------------

ROWS = [{"x": 1.0, "y": 2.0}, {"x": 3.0, "y": 4.5}]


@pytest.mark.parametrize("transport", ["json", "arrow"])
@pytest.mark.parametrize(
    "data",
    [
        ROWS,
        [[1.0, 2.0], [3.0, 4.5]],
        np.array([[1.0, 2.0], [3.0, 4.5]]),
        {"x": [1.0, 3.0], "y": [2.0, 4.5]},
        pd.DataFrame(ROWS),
        pa.Table.from_pylist(ROWS),
    ],
    ids=["records", "lists", "numpy", "columns", "frame", "table"],
)
def test_predict_answers_a_frame_for_every_input_form(
    server: str, transport: str, data: object
) -> None:
    with modelport.Client(server, model="adder", transport=transport) as client:  # type: ignore[arg-type]
        result = client.predict(data)
    assert isinstance(result, pd.DataFrame)
    assert list(result.columns) == ["sum"]
    assert result["sum"].tolist() == [3.0, 7.5]


@pytest.mark.parametrize("transport", ["json", "arrow"])
def test_text_and_integer_columns_keep_their_types(server: str, transport: str) -> None:
    with modelport.Client(f"{server}/v1/models/labeller", transport=transport) as client:  # type: ignore[arg-type]
        result = client.predict({"text": ["a", "b"], "n": [1, 2]})
        one = client.predict({"text": "c", "n": 3})
    assert result["label"].tolist() == ["a#1", "b#2"]
    assert one["label"].tolist() == ["c#3"]


def test_a_single_answer_is_a_one_by_one_frame_as_in_the_qwak_example(server: str) -> None:
    with modelport.Client(server, model="adder") as client:
        result = client.predict([[5.1, 3.5]])
    assert result.shape == (1, 1)
    assert result.iloc[0, 0] == pytest.approx(8.6)


def test_a_versioned_client_calls_that_version(server: str) -> None:
    with modelport.Client(server, model="adder", version=1) as client:
        assert client.predict(ROWS)["sum"].tolist() == [3.0, 7.5]
    with (
        modelport.Client(server, model="adder", version=7) as client,
        pytest.raises(errors.NotFound, match="version 7"),
    ):
        client.predict(ROWS)


# --- errors from the server ---------------------------------------------------------------


@pytest.mark.parametrize("transport", ["json", "arrow"])
def test_invalid_input_names_the_field(server: str, transport: str) -> None:
    client = modelport.Client(server, model="adder", transport=transport)  # type: ignore[arg-type]
    with client, pytest.raises(errors.InvalidInput, match="missing input column: y") as caught:
        client.predict([{"x": 1.0}])
    assert caught.value.field == "y"
    assert "The model takes: x, y" in str(caught.value)


def test_an_unknown_model_is_not_found(server: str) -> None:
    client = modelport.Client(server, model="nope")
    with client, pytest.raises(errors.NotFound, match="'nope' is not served here") as caught:
        client.predict(ROWS)
    assert "adder" in str(caught.value)


def test_a_failing_model_is_a_model_failure_with_its_message(server: str) -> None:
    client = modelport.Client(server, model="broken")
    with client, pytest.raises(errors.ModelFailed, match="the model is broken today") as caught:
        client.predict(ROWS)
    assert caught.value.status == 500


def test_no_answer_within_the_timeout_is_a_model_timeout(server: str) -> None:
    client = modelport.Client(server, model="sleeper", timeout=0.5)
    with client, pytest.raises(errors.ModelTimeout, match=r"did not answer within 0\.5 s"):
        client.predict([{"x": 3.0, "y": 0.0}])


def test_an_unreachable_server_is_reported_and_not_ready() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with modelport.Client(url, model="adder") as client:
        assert client.ready() is False
        with pytest.raises(errors.ModelportError, match=f"cannot reach {url}"):
            client.predict(ROWS)


# --- readiness, metadata and finding the model --------------------------------------------


def test_ready_and_metadata(server: str) -> None:
    with modelport.Client(server, model="adder") as client:
        assert client.ready() is True
        metadata = client.metadata()
    assert metadata["name"] == "adder"
    assert [tensor["name"] for tensor in metadata["inputs"]] == ["x", "y"]


def test_the_model_of_a_server_listing_one_is_found() -> None:
    async def listing(request: Request) -> JSONResponse:
        return JSONResponse({"models": [{"name": "only", "ready": True}]})

    app = Starlette(routes=[Route("/v2/models", listing)])
    with serve_app(app) as url, modelport.Client(url) as client:
        assert client.model == "only"


def test_the_model_must_be_named_when_the_server_holds_several(server: str) -> None:
    with modelport.Client(server) as client, pytest.raises(errors.ConfigError, match="model="):
        _ = client.model

    async def index(request: Request) -> JSONResponse:
        return JSONResponse([{"name": "a"}, {"name": "b"}])

    app = Starlette(routes=[Route("/v2/repository/index", index, methods=["POST"])])
    several = pytest.raises(errors.ConfigError, match=r"serves several models \(a, b\)")
    with serve_app(app) as url, modelport.Client(url) as client, several:
        _ = client.model


# --- the asynchronous client --------------------------------------------------------------


def test_the_async_client_answers_and_fails_as_the_client_does(server: str) -> None:
    async def calls() -> list[object]:
        found: list[object] = []
        async with modelport.AsyncClient(server, model="adder", transport="arrow") as client:
            found.append(await client.predict(ROWS))
            found.append(await client.metadata())
        for model, error in (("adder", errors.InvalidInput), ("nope", errors.NotFound)):
            async with modelport.AsyncClient(server, model=model) as client:
                with pytest.raises(error) as caught:
                    await client.predict([{"x": 1.0}])
                found.append(caught.value)
        async with modelport.AsyncClient(server, model="sleeper", timeout=0.5) as client:
            with pytest.raises(errors.ModelTimeout, match=r"within 0\.5 s"):
                await client.predict([{"x": 3.0, "y": 0.0}])
        async with modelport.AsyncClient(server) as client:
            with pytest.raises(errors.ConfigError, match="serves several models"):
                await client.find_model()
        return found

    result, metadata, invalid, unknown = asyncio.run(calls())
    assert isinstance(result, pd.DataFrame) and result["sum"].tolist() == [3.0, 7.5]
    assert isinstance(metadata, dict) and metadata["name"] == "adder"
    assert isinstance(invalid, errors.InvalidInput) and invalid.field == "y"
    assert isinstance(unknown, errors.NotFound) and "'nope' is not served here" in str(unknown)


def test_the_async_client_of_an_unreachable_server() -> None:
    url = f"http://127.0.0.1:{free_port()}"

    async def calls() -> bool:
        async with modelport.AsyncClient(url, model="adder") as client:
            with pytest.raises(errors.Unreachable, match=f"cannot reach {url}"):
                await client.predict(ROWS)
            return await client.ready()

    assert asyncio.run(calls()) is False


# --- against modelport serve ----------------------------------------------------------------


@pytest.fixture(scope="module")
def echo_server(
    shared_home: Path, echo_project: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """``modelport serve echo:1`` from the session's registry, in a subprocess."""
    served = start_server(
        "echo:1",
        model="echo",
        env={"MODELPORT_HOME": str(shared_home)},
        log_dir=tmp_path_factory.mktemp("echo-server"),
        ready_timeout=300,
    )
    try:
        yield served
    finally:
        assert served.stop() == 0


def test_a_client_finds_the_model_modelport_serve_serves(echo_server: ServerProcess) -> None:
    with modelport.Client(echo_server.url) as client:
        assert client.model == "echo"
        assert client.predict([{"text": "hi"}])["reply"].tolist() == ["echo: hi"]
        assert client.ready() is True


def test_the_async_client_against_modelport_serve(echo_server: ServerProcess) -> None:
    async def calls() -> tuple[str | None, pd.DataFrame, str | None, dict[str, Any], bool]:
        async with modelport.AsyncClient(echo_server.url) as client:
            before = client.model
            result = await client.predict({"text": ["a", "b"]})
            metadata = await client.metadata()
            return before, result, client.model, metadata, await client.ready()

    before, result, after, metadata, ready = asyncio.run(calls())
    assert (before, after, ready) == (None, "echo", True)
    assert result["reply"].tolist() == ["echo: a", "echo: b"]
    assert [tensor["name"] for tensor in metadata["inputs"]] == ["text"]


@pytest.fixture(scope="module")
def row_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The same two rows (text "a", "b") as CSV, Parquet and JSON files."""
    folder = tmp_path_factory.mktemp("rows")
    table = pa.table({"text": ["a", "b"]})
    (folder / "rows.csv").write_text("text\na\nb\n")
    pq.write_table(table, folder / "rows.parquet")
    (folder / "rows.json").write_bytes(orjson.dumps(table.to_pylist()))
    return {suffix: folder / f"rows.{suffix}" for suffix in ("csv", "parquet", "json")}


def test_predict_prints_json_records(cli: Callable[..., Result]) -> None:
    result = cli("predict", "echo", "--data", '[{"text": "hi"}]', "--json")
    assert result.code == 0, result.stderr
    assert result.json() == [{"reply": "echo: hi"}]


def test_predict_prints_a_table(cli: Callable[..., Result]) -> None:
    result = cli("predict", "echo:1", "--data", '{"text": ["first", "second"]}')
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].strip() == "reply"
    assert [line.strip() for line in lines[2:]] == ["echo: first", "echo: second"]


@pytest.mark.parametrize("suffix", ["csv", "parquet", "json"])
def test_predict_reads_rows_from_files(
    cli: Callable[..., Result], row_files: dict[str, Path], suffix: str
) -> None:
    result = cli("predict", "echo", "--file", str(row_files[suffix]), "--json")
    assert result.code == 0, result.stderr
    assert result.json() == [{"reply": "echo: a"}, {"reply": "echo: b"}]


@pytest.mark.parametrize("suffix", ["csv", "json"])
def test_predict_asks_a_running_server_with_url(
    cli: Callable[..., Result],
    echo_server: ServerProcess,
    row_files: dict[str, Path],
    suffix: str,
) -> None:
    result = cli(
        "predict", "echo", "--url", echo_server.url, "--file", str(row_files[suffix]), "--json"
    )
    assert result.code == 0, result.stderr
    assert result.json() == [{"reply": "echo: a"}, {"reply": "echo: b"}]


def test_predict_with_url_reports_the_servers_error(
    cli: Callable[..., Result], echo_server: ServerProcess
) -> None:
    result = cli("predict", "echo", "--url", echo_server.url, "--data", '[{"txt": "x"}]')
    assert result.code == 1
    assert "error: missing input column: text" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", '[{"txt": "x"}]'], "error: missing input column: text"),
        (["--data", "[{"], "error: --data is not valid JSON"),
        (["--file", "/nonexistent/rows.csv"], "error: /nonexistent/rows.csv does not exist"),
        (["--file", "rows.xlsx"], "cannot read rows from rows.xlsx"),
        ([], "exactly one of --data or --file"),
    ],
)
def test_predict_refuses_bad_input_in_one_line(
    cli: Callable[..., Result], args: list[str], message: str
) -> None:
    result = cli("predict", "echo", *args)
    assert result.code == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
