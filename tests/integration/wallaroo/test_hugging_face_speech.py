"""Speech recognition's timed ``chunks``: a tiny wav2vec2 pipeline (hugging_face_models.py)
uploaded with `modelport build --framework hugging-face-automatic-speech-recognition` and
Wallaroo's documented input and output schemas exactly as the user gives them (base64 of
``schema.serialize()``), its ``chunks`` (a list of text + [start, end] records) answered in JSON
records, Arrow and V2 as transformers' own pipeline gives them.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from starlette.testclient import TestClient

from modelport.registry.store import RegistryStore
from modelport.serving.app import create_app
from modelport.serving.loader import load_artifact
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime
from modelport.settings import Settings
from modelport.testing import app_client

from ..cli import run_cli
from .hugging_face_models import saved_zip, speech_recognizer

pytestmark = pytest.mark.slow

pytest.importorskip("torch", reason="Hugging Face pipelines need torch: pip install torch")
transformers = pytest.importorskip(
    "transformers", reason="Hugging Face pipelines need the huggingface extra"
)

NAME = "hf-speech-chunks"
AUDIO = (np.sin(np.arange(4000) / 5) * np.linspace(0.1, 1, 4000)).astype(np.float32)
# Wallaroo's documented schemas for hugging-face-automatic-speech-recognition, as written there.
INPUT_SCHEMA = pa.schema([
    pa.field('inputs', pa.list_(pa.float32())),
    pa.field('return_timestamps', pa.string()),
])  # fmt: skip
OUTPUT_SCHEMA = pa.schema([
    pa.field('text', pa.string()),
    pa.field('chunks', pa.list_(pa.struct([('text', pa.string()), ('timestamp', pa.list_(pa.float32()))]))),  # noqa: E501
])  # fmt: skip


def base64_schema(schema: pa.Schema) -> str:
    return base64.b64encode(schema.serialize().to_pybytes()).decode()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The saved pipeline's folder (its zip beside it); no hub while the tests run."""
    work = tmp_path_factory.mktemp("speech")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        patch.setenv("TRANSFORMERS_OFFLINE", "1")
        saved_zip(speech_recognizer(work), work / "tiny-speech")
        yield work / "tiny-speech"


@pytest.fixture(scope="module")
def server(
    folder: Path, wallaroo_home: Path, store: RegistryStore, settings: Settings
) -> Iterator[TestClient]:
    built = run_cli(
        "build", str(folder.with_suffix(".zip")), "--env", "inherit", "--json", "--name", NAME,
        "--framework", "hugging-face-automatic-speech-recognition",
        "--input-schema", base64_schema(INPUT_SCHEMA),
        "--output-schema", base64_schema(OUTPUT_SCHEMA),
        home=wallaroo_home,
    )  # fmt: skip
    assert built.code == 0, built.stderr
    version = store.get_version(name=NAME, number=built.json()["version"]["number"])
    loaded = load_artifact(store.artifact_path(version), settings=settings, version=1)
    runtime = ModelRuntime(loaded.servable, version=version.number)
    runtime.load()
    with app_client(create_app(ModelSet([runtime]))) as client:
        yield client


def expected(folder: Path, timestamps: str) -> dict[str, Any]:
    """transformers' own pipeline's answer for AUDIO, timestamps as [start, end] lists."""
    local = transformers.pipeline("automatic-speech-recognition", model=str(folder), device="cpu")
    answer = local(AUDIO, return_timestamps=timestamps)
    chunks = [{"text": c["text"], "timestamp": list(c["timestamp"])} for c in answer["chunks"]]
    return {"text": answer["text"], "chunks": chunks}


def same_chunks(got: list[dict[str, Any]], want: list[dict[str, Any]]) -> bool:
    """Equal texts, and timestamps equal as float32 (the schema's type)."""
    return [c["text"] for c in got] == [c["text"] for c in want] and all(
        np.array_equal(np.float32(g["timestamp"]), np.float32(w["timestamp"]))
        for g, w in zip(got, want, strict=True)
    )


@pytest.mark.parametrize("timestamps", ["char", "word"])
def test_chunks_in_json_records_are_the_pipelines_own(
    server: TestClient, folder: Path, timestamps: str
) -> None:
    row = {"inputs": AUDIO.tolist(), "return_timestamps": timestamps}
    answer = server.post(f"/v1/models/{NAME}/predict", json=[row])
    assert answer.status_code == 200, answer.text
    [got] = answer.json()
    want = expected(folder, timestamps)
    assert want["chunks"], "the tiny model transcribes something to time"
    assert got["text"] == want["text"]
    assert same_chunks(got["chunks"], want["chunks"])
    assert all(start <= end for start, end in (c["timestamp"] for c in got["chunks"]))


def test_without_return_timestamps_chunks_is_null(server: TestClient) -> None:
    row = {"inputs": AUDIO.tolist(), "return_timestamps": None}
    answer = server.post(f"/v1/models/{NAME}/predict", json=[row])
    assert answer.status_code == 200, answer.text
    [got] = answer.json()
    assert isinstance(got["text"], str) and got["chunks"] is None


def test_an_arrow_request_gets_chunks_as_arrow_structs(server: TestClient, folder: Path) -> None:
    table = pa.table(
        {"inputs": [AUDIO.tolist()], "return_timestamps": ["char"]}, schema=INPUT_SCHEMA
    )
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    stream = "application/vnd.apache.arrow.stream"
    answer = server.post(
        f"/v1/models/{NAME}/predict",
        content=sink.getvalue().to_pybytes(),
        headers={"Content-Type": stream, "Accept": stream},
    )
    assert answer.status_code == 200, answer.text
    answered = pa.ipc.open_stream(answer.content).read_all()
    assert answered.schema.field("chunks").type == OUTPUT_SCHEMA.field("chunks").type
    assert same_chunks(answered.column("chunks").to_pylist()[0], expected(folder, "char")["chunks"])


def test_kserve_v1_answers_chunks_as_json_objects(server: TestClient, folder: Path) -> None:
    row = {"inputs": AUDIO.tolist(), "return_timestamps": "word"}
    answer = server.post(f"/v1/models/{NAME}:predict", json={"instances": [row]})
    assert answer.status_code == 200, answer.text
    [got] = answer.json()["predictions"]
    assert same_chunks(got["chunks"], expected(folder, "word")["chunks"])


def test_v2_answers_chunks_as_json_text(server: TestClient, folder: Path) -> None:
    inputs = [
        {"name": "inputs", "datatype": "FP32", "shape": [1, AUDIO.size], "data": AUDIO.tolist()},
        {"name": "return_timestamps", "datatype": "BYTES", "shape": [1], "data": ["word"]},
    ]
    answer = server.post(f"/v2/models/{NAME}/infer", json={"inputs": inputs})
    assert answer.status_code == 200, answer.text
    chunks = next(o for o in answer.json()["outputs"] if o["name"] == "chunks")
    assert (chunks["datatype"], chunks["shape"]) == ("BYTES", [1])
    assert same_chunks(json.loads(chunks["data"][0]), expected(folder, "word")["chunks"])
    metadata = server.get(f"/v2/models/{NAME}").json()
    described = next(o for o in metadata["outputs"] if o["name"] == "chunks")
    assert (described["datatype"], described["shape"]) == ("BYTES", [-1])


def test_the_openapi_document_describes_chunks_as_records(server: TestClient) -> None:
    document = server.get("/openapi.json")
    assert document.status_code == 200, document.text
    text = json.dumps(document.json())
    assert '"timestamp": {"anyOf": [{"type": "array"' in text
    assert '"additionalProperties": false' in text
