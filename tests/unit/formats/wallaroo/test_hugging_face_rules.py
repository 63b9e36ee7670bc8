"""Wallaroo's rules for Hugging Face uploads, without loading a model: the documented default
schemas, what an input schema may add or leave out, images and audio as requests carry them,
and pipeline answers turned into the documented columns."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from modelport.errors import ConfigError, InvalidInput, ModelFailed
from modelport.formats.wallaroo.framework_requirements import installed_pin, upload_requirements
from modelport.formats.wallaroo.frameworks import SUPPORTED, supported_framework
from modelport.formats.wallaroo.hugging_face.answers import answer_columns
from modelport.formats.wallaroo.hugging_face.inputs import (
    CHUNK_SECONDS,
    audio,
    call_arguments,
    chunking,
    image,
)
from modelport.formats.wallaroo.hugging_face.kinds import KINDS
from modelport.formats.wallaroo.hugging_face.servable import check_installed
from modelport.formats.wallaroo.hugging_face.signature import model_config, pipeline_signature

SUMMARIZATION = KINDS["hugging-face-summarization"]
FEATURES = KINDS["hugging-face-feature-extraction"]
DETECTION = KINDS["hugging-face-object-detection"]


def test_every_served_kind_is_listed_as_supported() -> None:
    for name in KINDS:
        assert supported_framework(name).status == SUPPORTED


def test_the_default_schemas_are_the_documented_ones() -> None:
    qa = pipeline_signature(KINDS["hugging-face-question-answering"], {}, {})
    assert [f.name for f in qa.inputs] == [
        "question", "context", "top_k", "doc_stride", "max_answer_len", "max_seq_len",
        "max_question_len", "handle_impossible_answer", "align_to_words",
    ]  # fmt: skip
    assert [f.name for f in qa.outputs] == ["score", "start", "end", "answer"]
    image_input = pipeline_signature(DETECTION, {}, {}).inputs[0]
    assert (image_input.name, image_input.shape) == ("inputs", (100, 100, 3))
    features = pipeline_signature(FEATURES, {"hidden_size": 128}, {}).output_schema
    assert features.field("output").type == pa.list_(pa.list_(pa.float64(), 128))


def test_an_input_schema_may_leave_optional_inputs_out_but_not_required_ones() -> None:
    only_text = pa.schema([pa.field("inputs", pa.string())])
    signature = pipeline_signature(SUMMARIZATION, {}, {"input_schema": only_text})
    assert [f.name for f in signature.inputs] == ["inputs"]
    no_labels = pa.schema([pa.field("inputs", pa.string())])
    with pytest.raises(ConfigError) as caught:
        pipeline_signature(
            KINDS["hugging-face-zero-shot-classification"], {}, {"input_schema": no_labels}
        )
    assert caught.value.field == "candidate_labels"


def test_extra_inputs_are_kept_for_generating_kinds_and_refused_by_name_for_others() -> None:
    extra = pa.schema([pa.field("inputs", pa.string()), pa.field("num_beams", pa.int64())])
    kept = pipeline_signature(SUMMARIZATION, {}, {"input_schema": extra})
    assert [f.name for f in kept.inputs] == ["inputs", "num_beams"]
    with pytest.raises(ConfigError) as caught:
        pipeline_signature(FEATURES, {}, {"input_schema": extra})
    assert caught.value.field == "num_beams"
    assert "hugging-face-image-to-text" in (caught.value.hint or "")


def test_an_output_schema_names_only_columns_the_kind_answers_with() -> None:
    wrong = pa.schema([pa.field("summary", pa.string())])
    with pytest.raises(ConfigError) as caught:
        pipeline_signature(SUMMARIZATION, {}, {"output_schema": wrong})
    assert caught.value.field == "summary"


def test_a_folder_without_a_saved_pipeline_is_refused_saying_how_to_save_one(
    tmp_path: Path,
) -> None:
    with pytest.raises(ConfigError) as caught:
        model_config(tmp_path, "model.zip")
    assert "save_pretrained" in (caught.value.hint or "")
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(ConfigError) as caught:
        model_config(tmp_path, "model.zip")
    assert "holds no model weights" in caught.value.message
    (tmp_path / "model.safetensors").write_bytes(b"")
    assert model_config(tmp_path, "model.zip") == {"model_type": "bert"}


def test_null_optional_inputs_are_left_to_the_pipeline_and_a_null_required_one_refused() -> None:
    first, kwargs = call_arguments(
        SUMMARIZATION, {"inputs": "text", "return_text": None, "num_beams": 2}, 0
    )
    assert (first, kwargs) == ("text", {"num_beams": 2})
    with pytest.raises(InvalidInput) as caught:
        call_arguments(SUMMARIZATION, {"inputs": None}, 3)
    assert caught.value.field == "inputs"
    assert "row 3" in caught.value.message


def test_images_are_height_by_width_by_channel_ints_from_0_to_255() -> None:
    pytest.importorskip("PIL", reason="images need pillow (the huggingface extra)")
    pixels = np.zeros((4, 6, 3), dtype=np.int64)
    pixels[0, 0] = [255, 0, 0]
    made = image(pixels.tolist(), "inputs[0]")
    assert (made.size, made.mode, made.getpixel((0, 0))) == ((6, 4), "RGB", (255, 0, 0))
    assert image(np.zeros((4, 6)).tolist(), "inputs[0]").mode == "L"
    with pytest.raises(InvalidInput) as caught:
        image(np.full((2, 2, 3), 300).tolist(), "inputs[1]")
    assert caught.value.field == "inputs[1]"
    with pytest.raises(InvalidInput):
        image([[1, 2], [3]], "inputs[0]")


def test_audio_is_one_list_of_float_samples() -> None:
    samples = audio([0.0, 0.5, -0.5], "inputs[0]")
    assert samples.dtype == np.float32 and samples.shape == (3,)
    with pytest.raises(InvalidInput):
        audio([], "inputs[0]")


def test_detections_become_lists_of_scores_labels_and_integer_boxes() -> None:
    answer = [
        {"score": 0.9, "label": "cat", "box": {"xmin": 1, "ymin": 2, "xmax": 30, "ymax": 40}},
        {"score": 0.4, "label": "dog", "box": {"xmin": 5.4, "ymin": 6, "xmax": 7, "ymax": 8}},
    ]
    schema = pipeline_signature(DETECTION, {}, {}).output_schema
    columns = answer_columns(DETECTION, answer, schema)
    assert columns == {
        "score": [0.9, 0.4],
        "label": ["cat", "dog"],
        "box": [[1, 2, 30, 40], [5, 6, 7, 8]],
    }


def test_an_answer_without_a_column_of_the_output_schema_is_the_models_fault() -> None:
    schema = pa.schema([pa.field("summary_text", pa.string())])
    with pytest.raises(ModelFailed) as caught:
        answer_columns(SUMMARIZATION, [{"summary_token_ids": [1, 2]}], schema)
    assert caught.value.field == "summary_text"


def test_question_answering_gives_the_top_answer_or_every_answer_as_the_schema_asks() -> None:
    kind = KINDS["hugging-face-question-answering"]
    answers = [
        {"score": 0.6, "start": 0, "end": 3, "answer": "cat"},
        {"score": 0.3, "start": 4, "end": 7, "answer": "sat"},
    ]
    scalars = pipeline_signature(kind, {}, {}).output_schema
    assert answer_columns(kind, answers, scalars)["answer"] == "cat"
    lists = pa.schema([pa.field("answer", pa.list_(pa.string()))])
    assert answer_columns(kind, answers, lists) == {"answer": ["cat", "sat"]}


def test_the_wallaroo_format_loads_neither_torch_nor_transformers() -> None:
    """Builds of every upload stay quick: only serving a Hugging Face model imports them."""
    code = (
        "import sys; import modelport.formats.wallaroo.format; "
        "print('torch' in sys.modules, 'transformers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_a_build_where_torch_is_missing_is_refused_saying_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib.util

    found = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "torch" else found(name, *a)
    )
    if found("transformers") is None:
        pytest.skip("transformers is not installed here")
    with pytest.raises(ConfigError) as caught:
        check_installed(SUMMARIZATION)
    assert "needs torch," in caught.value.message
    assert "pip install 'modelport[huggingface]' torch" in (caught.value.hint or "")


def test_text_kinds_show_a_request_row_of_their_signature() -> None:
    kind = KINDS["hugging-face-zero-shot-classification"]
    names = [f.name for f in pipeline_signature(kind, {}, {}).inputs]
    row = kind.example_row(names)
    assert row is not None and list(row) == names
    assert row["candidate_labels"] and row["multi_label"] is None
    assert DETECTION.example_row(["inputs", "threshold"]) is None  # an image: too long to show


def test_a_diffusers_folder_has_its_index_and_weights_in_subfolders(tmp_path: Path) -> None:
    (tmp_path / "model_index.json").write_text(json.dumps({"_class_name": "X"}))
    with pytest.raises(ConfigError):
        model_config(tmp_path, "sd.zip", library="diffusers")
    (tmp_path / "unet").mkdir()
    (tmp_path / "unet" / "diffusion_pytorch_model.safetensors").write_bytes(b"")
    assert model_config(tmp_path, "sd.zip", library="diffusers") == {"_class_name": "X"}


def test_a_generated_image_becomes_height_by_width_by_3_ints() -> None:
    kind = KINDS["hugging-face-stable-diffusion-text-2-img"]

    class Generated:
        images = np.array([[[[0.0, 0.5, 1.0]] * 3] * 2])  # one image, 2 x 3 pixels

    schema = pipeline_signature(kind, {}, {}).output_schema
    image = answer_columns(kind, Generated(), schema)["images"]
    assert np.array(image).shape == (2, 3, 3)
    assert image[0][0] == [0, 128, 255]


SPEECH = KINDS["hugging-face-automatic-speech-recognition"]


def test_return_timestamps_takes_wallaroos_strings_and_booleans_as_words() -> None:
    row = {"inputs": [0.1, 0.2], "return_timestamps": "True"}
    assert call_arguments(SPEECH, row, 0)[1] == {"return_timestamps": True}
    row = {"inputs": [0.1, 0.2], "return_timestamps": "word"}
    assert call_arguments(SPEECH, row, 0)[1] == {"return_timestamps": "word"}


class _Speech:
    """What ``chunking`` reads of a speech pipeline: its type and sampling rate."""

    def __init__(self, kind: str, rate: int) -> None:
        self.type = kind
        self.feature_extractor = type("Extractor", (), {"sampling_rate": rate})()


def test_only_a_ctc_models_audio_longer_than_30_s_is_chunked() -> None:
    long, short = np.zeros(16_000 * 31, np.float32), np.zeros(16_000 * 30, np.float32)
    assert chunking(_Speech("ctc", 16_000), long) == {"chunk_length_s": 30.0}
    assert CHUNK_SECONDS == 30.0
    assert chunking(_Speech("ctc", 16_000), short) == {}
    assert chunking(_Speech("seq2seq_whisper", 16_000), long) == {}  # its own 30 s windows


def _saved_zip(tmp_path: Path, files: dict[str, str]) -> Path:
    archive = tmp_path / "saved.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for name, text in files.items():
            zipped.writestr(f"saved/{name}", text)
    return archive


def test_a_saved_pipeline_zip_gets_the_packages_installed_here_and_what_its_files_need(
    tmp_path: Path,
) -> None:
    pins = tuple(installed_pin(n) for n in ("transformers", "tokenizers", "torch"))
    text = _saved_zip(tmp_path, {"config.json": "{}", "tokenizer.json": "{}"})
    assert upload_requirements(text) == pins
    (tmp_path / "saved.zip").unlink()
    processor = json.dumps({"image_processor_type": "ViTImageProcessor"})
    images = _saved_zip(tmp_path, {"config.json": "{}", "preprocessor_config.json": processor})
    assert upload_requirements(images) == (*pins, "pillow")
    (tmp_path / "saved.zip").unlink()
    pieces = _saved_zip(tmp_path, {"config.json": "{}", "source.spm": ""})
    assert upload_requirements(pieces) == (*pins, "sentencepiece")
    (tmp_path / "saved.zip").unlink()
    own = _saved_zip(tmp_path, {"config.json": "{}", "requirements.txt": "transformers\n"})
    assert upload_requirements(own) is None  # its requirements.txt says
