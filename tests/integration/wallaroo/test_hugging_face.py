"""Hugging Face pipelines (``--framework hugging-face-<kind>``): tiny pipelines made here
(hugging_face_models.py), saved with ``save_pretrained``, zipped, built with ``--env inherit``
and served together in one app; each kind answers a request of Wallaroo's documented schema
with the documented columns and types, and refuses a request without its required input.

Needs torch and transformers (below 5) in the interpreter running the tests: see the skip
reasons below.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from packaging.version import Version
from starlette.testclient import TestClient

from modelport.batch import Batch
from modelport.errors import ModelportError
from modelport.formats.wallaroo.hugging_face.kinds import KINDS
from modelport.pipelines.loading import load_pipeline
from modelport.pipelines.store import PipelineStore
from modelport.registry.entities import ModelVersion
from modelport.registry.store import RegistryStore
from modelport.serving.app import create_app
from modelport.serving.loader import load_artifact
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime
from modelport.settings import Settings
from modelport.testing import app_client, start_server

from ..cli import run_cli
from ..printed_curl import printed_curl, send_curl
from .conftest import Build
from .hugging_face_models import MAKERS, SPEECH_RATE, saved_zip

pytestmark = [
    pytest.mark.slow,
    # transformers 4's question-answering pipeline, under numpy 2 (its own notice, not ours)
    pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword"),
]

pytest.importorskip(
    "torch", reason="Hugging Face pipelines need torch: pip install torch (a CPU build)"
)
transformers = pytest.importorskip(
    "transformers", reason="Hugging Face pipelines need the huggingface extra"
)
pytest.importorskip("diffusers", reason="stable diffusion needs the huggingface extra")
if Version(transformers.__version__).major >= 5:
    pytest.skip(
        f"transformers {transformers.__version__} has none of the summarization, translation, "
        "question-answering, image-to-text pipelines: install 'transformers<5'",
        allow_module_level=True,
    )

RNG = np.random.default_rng(17)
IMAGE = RNG.integers(0, 256, (100, 100, 3)).tolist()
"""100 x 100 pixels of [red, green, blue]: Wallaroo's documented image input."""
AUDIO = np.sin(np.arange(8000) / 7).astype(np.float32).tolist()
CONTEXT = "the cat sat on the mat"

ROWS: dict[str, dict[str, Any]] = {
    "text-classification": {"inputs": "a good film", "top_k": 2, "function_to_apply": None},
    "sentiment-analysis": {"inputs": "a bad movie", "top_k": None, "function_to_apply": "sigmoid"},
    "feature-extraction": {"inputs": "the cat sat"},
    "zero-shot-classification": {
        "inputs": "the cat sat",
        "candidate_labels": ["good", "bad", "red"],
        "hypothesis_template": "this is {}",
        "multi_label": False,
    },
    "question-answering": {
        "question": "who sat",
        "context": CONTEXT,
        "top_k": None,
        "doc_stride": None,
        "max_answer_len": 3,
        "max_seq_len": None,
        "max_question_len": None,
        "handle_impossible_answer": False,
        "align_to_words": None,
    },
    "summarization": {
        "inputs": CONTEXT,
        "return_text": True,
        "return_tensors": None,
        "clean_up_tokenization_spaces": None,
    },
    "translation": {
        "inputs": CONTEXT,
        "return_tensors": None,
        "return_text": None,
        "clean_up_tokenization_spaces": True,
        "src_lang": None,
        "tgt_lang": None,
    },
    "text-generation": {
        "inputs": "the cat",
        "return_tensors": None,
        "return_text": None,
        "return_full_text": True,
        "clean_up_tokenization_spaces": None,
        "prefix": None,
        "handle_long_generation": None,
    },
    "image-classification": {"inputs": IMAGE, "top_k": 1},
    "image-segmentation": {
        "inputs": IMAGE,
        "threshold": None,
        "mask_threshold": None,
        "overlap_mask_area_threshold": None,
    },
    "image-to-text": {"inputs": IMAGE},
    "object-detection": {"inputs": IMAGE, "threshold": 0.0},
    "zero-shot-image-classification": {
        "inputs": IMAGE,
        "candidate_labels": ["cat", "dog"],
        "hypothesis_template": None,
    },
    "zero-shot-object-detection": {
        "images": IMAGE,
        "candidate_labels": ["cat", "dog", "mat"],
        "threshold": 0.0,
    },
    "automatic-speech-recognition": {"inputs": AUDIO, "return_timestamps": None},
    "stable-diffusion-text-2-img": {
        "prompt": "a red cat",
        "height": 24,
        "width": 16,
        "num_inference_steps": 2,
        "guidance_scale": None,
        "negative_prompt": "blue",
        "num_images_per_prompt": None,
        "eta": None,
    },
}
"""One request row per kind, every column of its default input schema (null: the default)."""

MADE_AS = {"sentiment-analysis": "text-classification"}
"""Kinds uploaded as another kind's saved pipeline."""
INPUT_SCHEMAS = {
    "zero-shot-object-detection": pa.schema(
        [
            pa.field("images", pa.list_(pa.list_(pa.list_(pa.int64(), 3), 100), 100)),
            pa.field("candidate_labels", pa.list_(pa.string())),
            pa.field("threshold", pa.float64()),
        ]
    )
}
"""Schemas given at upload (a smaller image than the documented 480 x 640)."""
REQUIRED = {
    "question-answering": "question",
    "zero-shot-object-detection": "images",
    "stable-diffusion-text-2-img": "prompt",
}
"""The first required input of kinds whose is not ``inputs``."""

PIPELINE = "hf-zero-shot"
FORWARDING = "hf-summarization-forwarding"
"""The summarizer uploaded with an input schema naming two more inputs for generate."""


@pytest.fixture(scope="module")
def offline() -> Iterator[None]:
    """No hub: every file comes from the saved pipeline's folder."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        patch.setenv("TRANSFORMERS_OFFLINE", "1")
        yield


@pytest.fixture(scope="module")
def zips(offline: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("hugging-face")
    made = {}
    for kind, make in MAKERS.items():
        scratch = work / f"{kind}-parts"
        scratch.mkdir()
        made[kind] = saved_zip(make(scratch), work / f"tiny-{kind}")
    return made


@pytest.fixture(scope="module")
def versions(build: Build, zips: dict[str, Path], wallaroo_home: Path) -> list[ModelVersion]:
    built = []
    for kind in ROWS:
        if kind == "text-classification":
            continue  # built through the command below
        built.append(
            build(
                zips[MADE_AS.get(kind, kind)],
                name=f"hf-{kind}",
                format="wallaroo",
                framework=f"hugging-face-{kind}",
                input_schema=INPUT_SCHEMAS.get(kind),
            )
        )
    extra = pa.schema(
        [
            pa.field("inputs", pa.string()),
            pa.field("max_new_tokens", pa.int64()),
            pa.field("no_such_option", pa.int64()),
        ]
    )
    built.append(
        build(
            zips["summarization"],
            name=FORWARDING,
            format="wallaroo",
            framework="hugging-face-summarization",
            input_schema=extra,
        )
    )
    return built


@pytest.fixture(scope="module")
def built_by_command(zips: dict[str, Path], wallaroo_home: Path, store: RegistryStore) -> Any:
    """``modelport build tiny.zip --framework hugging-face-text-classification``, as a user
    types it."""
    result = run_cli(
        "build", str(zips["text-classification"]), "--env", "inherit", "--json",
        "--name", "hf-text-classification", "--framework", "hugging-face-text-classification",
        home=wallaroo_home,
    )  # fmt: skip
    assert result.code == 0, result.stderr
    return store.get_version(
        name="hf-text-classification", number=result.json()["version"]["number"]
    )


@pytest.fixture(scope="module")
def server(
    versions: list[ModelVersion],
    built_by_command: Any,
    store: RegistryStore,
    settings: Settings,
    wallaroo_home: Path,
) -> Iterator[TestClient]:
    """Every upload served in one app, with a Wallaroo pipeline of the zero-shot classifier
    (`modelport pipeline create`) for Wallaroo's inference routes."""
    created = run_cli(
        "pipeline", "create", PIPELINE, "--step", "hf-zero-shot-classification:1", "--json",
        home=wallaroo_home,
    )  # fmt: skip
    assert created.code == 0, created.stderr
    with PipelineStore.open(settings=settings) as pipes:
        pipeline = load_pipeline(PIPELINE, registry=store, pipelines=pipes, settings=settings)
    runtimes = [ModelRuntime(pipeline, version=pipeline.version.number)]
    for version in [built_by_command, *versions]:
        loaded = load_artifact(store.artifact_path(version), settings=settings, version=1)
        runtimes.append(ModelRuntime(loaded.servable, version=version.number))
    for runtime in runtimes:
        runtime.load()
    with app_client(create_app(ModelSet(runtimes))) as client:
        yield client


def predict(server: TestClient, name: str, rows: list[dict[str, Any]]) -> Any:
    answer = server.post(f"/v1/models/{name}/predict", json=rows)
    assert answer.status_code == 200, answer.text
    return answer.json()


def floats(values: Any) -> bool:
    return isinstance(values, list) and all(isinstance(v, float) for v in values)


def strings(values: Any) -> bool:
    return isinstance(values, list) and all(isinstance(v, str) for v in values)


def test_every_kind_answers_its_documented_columns_with_their_types(server: TestClient) -> None:
    answers = {kind: predict(server, f"hf-{kind}", [row])[0] for kind, row in ROWS.items()}

    for kind in ("text-classification", "sentiment-analysis", "image-classification"):
        assert set(answers[kind]) == {"label", "score"}
    classified = answers["text-classification"]
    assert sorted(classified["label"]) == ["NEGATIVE", "POSITIVE"]  # top_k 2
    assert floats(classified["score"]) and sum(classified["score"]) == pytest.approx(1)
    assert answers["sentiment-analysis"]["label"][0] in ("NEGATIVE", "POSITIVE")
    assert len(answers["image-classification"]["label"]) == 1  # top_k 1
    assert answers["image-classification"]["label"][0] in ("cat", "dog")

    vectors = answers["feature-extraction"]["output"]
    assert len(vectors) == 5  # [CLS] the cat sat [SEP]
    assert all(len(vector) == 32 and floats(vector) for vector in vectors)  # hidden size

    zero_shot = answers["zero-shot-classification"]
    assert zero_shot["sequence"] == "the cat sat"
    assert sorted(zero_shot["labels"]) == ["bad", "good", "red"]
    assert sum(zero_shot["scores"]) == pytest.approx(1)

    answer = answers["question-answering"]
    assert isinstance(answer["score"], float)
    assert CONTEXT[answer["start"] : answer["end"]] == answer["answer"]

    assert isinstance(answers["summarization"]["summary_text"], str)
    assert isinstance(answers["translation"]["translation_text"], str)
    generated = answers["text-generation"]["generated_text"]
    assert len(generated) == 1 and generated[0].startswith("the cat")  # full text
    assert strings(answers["image-to-text"]["generated_text"])

    for kind in ("object-detection", "zero-shot-object-detection"):
        detected = answers[kind]
        assert len(detected["score"]) == len(detected["label"]) == len(detected["box"]) > 0
        for box in detected["box"]:
            assert len(box) == 4 and all(isinstance(v, int) for v in box)
    assert set(answers["zero-shot-object-detection"]["label"]) <= {"cat", "dog", "mat"}

    zero_shot_image = answers["zero-shot-image-classification"]
    assert sorted(zero_shot_image["label"]) == ["cat", "dog"]
    assert sum(zero_shot_image["score"]) == pytest.approx(1)

    segments = answers["image-segmentation"]
    assert set(segments["label"]) <= {"background", "cat"} and segments["mask"]
    for mask in segments["mask"]:
        pixels = np.array(mask)
        assert pixels.shape == (100, 100) and set(np.unique(pixels)) <= {0, 255}

    speech = answers["automatic-speech-recognition"]
    assert isinstance(speech["text"], str)
    assert speech["chunks"] is None  # no return_timestamps asked

    image = np.array(answers["stable-diffusion-text-2-img"]["images"])
    assert image.shape == (24, 16, 3)  # the height and width asked
    assert image.dtype == np.int64 and image.min() >= 0 and image.max() <= 255


def test_long_audio_is_transcribed_in_chunks(server: TestClient, zips: dict[str, Path]) -> None:
    """40 s of audio, over the 30 s a CTC model is given at once: the answer is the pipeline's
    chunked transcription, not its transcription in one piece."""
    seconds = 40
    samples = np.arange(seconds * SPEECH_RATE)
    long = (np.sin(samples / 7) * np.linspace(0.2, 1, samples.size)).astype(np.float32)
    row = {"inputs": long.tolist(), "return_timestamps": None}
    [answer] = predict(server, "hf-automatic-speech-recognition", [row])
    folder = zips["automatic-speech-recognition"].with_suffix("")
    local = transformers.pipeline("automatic-speech-recognition", model=str(folder), device="cpu")
    chunked = local(long, chunk_length_s=30.0)["text"]
    assert chunked != local(long)["text"]  # chunking changes this model's answer
    assert answer["text"] == chunked


def test_timestamps_a_ctc_model_cannot_give_are_refused_naming_return_timestamps(
    server: TestClient,
) -> None:
    row = {"inputs": AUDIO, "return_timestamps": "true"}  # Whisper's; CTC takes char or word
    answer = server.post("/v1/models/hf-automatic-speech-recognition/predict", json=[row])
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == "return_timestamps"
    row = {"inputs": AUDIO, "return_timestamps": "word"}
    [answer] = predict(server, "hf-automatic-speech-recognition", [row])
    assert isinstance(answer["text"], str) and isinstance(answer["chunks"], list)


def test_several_rows_get_one_answer_each(server: TestClient) -> None:
    rows = [{**ROWS["zero-shot-classification"], "inputs": text} for text in ("a", "the dog")]
    answer = predict(server, "hf-zero-shot-classification", rows)
    assert [row["sequence"] for row in answer] == ["a", "the dog"]


OTHER_INPUTS: dict[str, Any] = {
    "text": "the dog is very bad",
    "image": RNG.integers(0, 256, (100, 100, 3)).tolist(),
    "audio": np.cos(np.arange(6000) / 5).astype(np.float32).tolist(),
}
"""Another first input of each kind of input, for requests of several rows."""


NOT_LISTED = {"stable-diffusion-text-2-img", "question-answering", "text-generation"}
"""Kinds left out below: the keyword kinds are called per row; text generation samples
(transformers' default for the pipeline: ``do_sample`` at temperature 0.7), so no two calls
answer alike."""


@pytest.mark.parametrize("kind", sorted(set(ROWS) - NOT_LISTED))
def test_several_rows_are_answered_as_each_row_alone(server: TestClient, kind: str) -> None:
    """Rows sharing their options go to the pipeline in one call (on the list of their first
    inputs), a row with other options in another: each answer is the one the row gets alone."""
    row = ROWS[kind]
    main = REQUIRED.get(kind, "inputs")
    other = {**row, main: OTHER_INPUTS[INPUT_KINDS[kind]]}
    rows = [row, other, row, {**other, **OTHER_OPTIONS.get(kind, {})}]
    alone = [predict(server, f"hf-{kind}", [one])[0] for one in rows]
    assert predict(server, f"hf-{kind}", rows) == alone


INPUT_KINDS = {kind: KINDS[f"hugging-face-{kind}"].input_kind for kind in ROWS}
OTHER_OPTIONS: dict[str, dict[str, Any]] = {
    "text-classification": {"top_k": None},
    "zero-shot-classification": {"candidate_labels": ["red", "good"]},
    "image-classification": {"top_k": 2},
    "automatic-speech-recognition": {"return_timestamps": "word"},
}
"""Options other than ``ROWS``', for a row of a request that other rows do not share."""


def test_rows_sharing_their_options_take_one_pipeline_call(
    built_by_command: Any, store: RegistryStore, settings: Settings
) -> None:
    loaded = load_artifact(store.artifact_path(built_by_command), settings=settings, version=1)
    servable = loaded.servable
    servable.load()
    pipeline, called = servable.pipeline, []

    def counted(inputs: Any, **kwargs: Any) -> Any:
        called.append((inputs, kwargs))
        return pipeline(inputs, **kwargs)

    servable.pipeline = counted
    texts = ["a good film", "the cat", "a bad movie", "the dog"]
    top_k = [2, 2, None, 2]
    table = pa.table({"inputs": texts, "top_k": pa.array(top_k, pa.int64())})
    answer = servable.predict(Batch.from_table(table)).to_pylist()
    assert called == [(["a good film", "the cat", "the dog"], {"top_k": 2}), ("a bad movie", {})]
    assert [len(row["label"]) for row in answer] == [2, 2, 1, 2]


@pytest.mark.parametrize("kind", sorted(ROWS))
def test_a_request_without_the_required_input_is_refused_naming_it(
    server: TestClient, kind: str
) -> None:
    required = REQUIRED.get(kind, "inputs")
    row = {name: value for name, value in ROWS[kind].items() if name != required}
    answer = server.post(f"/v1/models/hf-{kind}/predict", json=[row])
    assert answer.status_code in (400, 422), answer.text
    assert answer.json()["field"] == required


def test_an_image_of_another_size_is_refused_naming_the_input(server: TestClient) -> None:
    small = RNG.integers(0, 256, (10, 10, 3)).tolist()
    answer = server.post("/v1/models/hf-image-to-text/predict", json=[{"inputs": small}])
    assert answer.status_code in (400, 422), answer.text
    assert answer.json()["field"].startswith("inputs")


def test_pixel_values_outside_0_to_255_are_refused(server: TestClient) -> None:
    bright = (np.array(IMAGE) * 2).tolist()
    answer = server.post("/v1/models/hf-image-to-text/predict", json=[{"inputs": bright}])
    assert answer.status_code in (400, 422), answer.text
    assert "0-255" in answer.json()["detail"]


def test_extra_inputs_reach_generate_and_one_it_does_not_take_is_refused_by_name(
    server: TestClient,
) -> None:
    short = predict(
        server, FORWARDING, [{"inputs": CONTEXT, "max_new_tokens": 2, "no_such_option": None}]
    )
    assert len(short[0]["summary_text"].split()) <= 2
    refused = server.post(
        f"/v1/models/{FORWARDING}/predict",
        json=[{"inputs": CONTEXT, "max_new_tokens": 2, "no_such_option": 1}],
    )
    assert refused.status_code in (400, 422), refused.text
    assert refused.json()["field"] == "no_such_option"


def test_the_wallaroo_route_and_the_kserve_and_v2_protocols_serve_it_too(
    server: TestClient,
) -> None:
    wallaroo = server.post(
        f"/v1/api/pipelines/infer/{PIPELINE}-3/{PIPELINE}",
        content=json.dumps([ROWS["zero-shot-classification"]]),
        params={"dataset[]": ["*"], "dataset.exclude[]": ["metadata"], "dataset.separator": "."},
        headers={"Content-Type": "application/json; format=pandas-records"},
    )
    assert wallaroo.status_code == 200, wallaroo.text
    [row] = wallaroo.json()
    assert row["in.candidate_labels"] == ["good", "bad", "red"]
    assert row["out.sequence"] == "the cat sat"
    assert sorted(row["out.labels"]) == ["bad", "good", "red"]
    assert len(row["out.scores"]) == 3 and row["anomaly.count"] == 0
    v2 = server.post(
        "/v2/models/hf-feature-extraction/infer",
        json={"inputs": [{"name": "inputs", "datatype": "BYTES", "shape": [1], "data": ["the"]}]},
    )
    assert v2.status_code == 200, v2.text
    [output] = v2.json()["outputs"]
    assert (output["name"], output["datatype"], output["shape"]) == ("output", "FP64", [1, 3, 32])
    kserve = server.post(
        "/v1/models/hf-question-answering:predict",
        json={"instances": [ROWS["question-answering"]]},
    )
    assert kserve.status_code == 200, kserve.text
    [answer] = kserve.json()["predictions"]
    assert CONTEXT[answer["start"] : answer["end"]] == answer["answer"]


def test_an_extra_input_is_refused_at_build_for_a_kind_that_does_not_forward_it(
    build: Build, zips: dict[str, Path]
) -> None:
    schema = pa.schema([pa.field("inputs", pa.string()), pa.field("max_new_tokens", pa.int64())])
    with pytest.raises(ModelportError) as caught:
        build(
            zips["feature-extraction"],
            name="hf-refused",
            format="wallaroo",
            framework="hugging-face-feature-extraction",
            input_schema=schema,
        )
    assert "names 'max_new_tokens', which is not an input of" in caught.value.message
    assert "hugging-face-summarization" in str(caught.value)  # where extras are forwarded


def test_a_served_process_answers_the_curl_line_it_prints(
    versions: list[ModelVersion], wallaroo_home: Path, tmp_path: Path
) -> None:
    """``modelport serve`` as a process on a real port: the printed request (the kind's
    example row) answers."""
    environ = {"MODELPORT_HOME": str(wallaroo_home), "HF_HUB_OFFLINE": "1"}
    with start_server(
        "hf-zero-shot-classification", log_dir=tmp_path, env=environ, ready_timeout=300
    ) as server:
        line = printed_curl(server.output())
        answer = send_curl(line)
    assert '"candidate_labels": ["animals", "weather"]' in line
    assert answer.status_code == 200, answer.text
    assert sorted(answer.json()[0]["labels"]) == ["animals", "weather"]


def test_a_saved_pipeline_zip_without_framework_is_refused_asking_for_the_task(
    build: Build, zips: dict[str, Path]
) -> None:
    with pytest.raises(ModelportError) as caught:
        build(zips["summarization"], name="hf-no-task")  # detected as a Wallaroo upload
    assert "holds a saved Hugging Face pipeline" in caught.value.message
    assert "--framework hugging-face-<task>" in str(caught.value)
