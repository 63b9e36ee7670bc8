"""Uploads refused or accepted: ``modelport build FILE --framework ... --input-schema ...
--output-schema ...`` through the real command where the command is what is tested (its
options, its one-line errors, ``modelport frameworks``), and through the library (the same
build, with no CLI process to start) for every other refusal."""

from __future__ import annotations

import pickle
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from modelport.errors import ModelportError
from modelport.formats.wallaroo.schemas import schema_to_base64
from modelport.registry.entities import ModelVersion

from ..cli import Result, run_cli
from .conftest import BYOP, STEPS, TENSOR_SCHEMA, WEIGHTED_SCHEMA, Build, zip_folder

STEP = STEPS / "weighted_sum.py"


@pytest.fixture
def cli(wallaroo_home: Path) -> Callable[..., Result]:
    def call(*args: str) -> Result:
        return run_cli(*args, home=wallaroo_home)

    return call


def refused(build: Build, path: Path, **options: Any) -> str:
    """The message of the error the build of ``path`` is refused with."""
    with pytest.raises(ModelportError) as caught:
        build(path, **options)
    return caught.value.message


def test_schemas_given_each_of_three_ways_register_the_same_signature(
    cli: Callable[..., Result], build: Build, weighted_step: ModelVersion, tmp_path: Path
) -> None:
    as_base64 = cli(
        "build", str(STEP), "--env", "inherit", "--name", "schema-base64", "--json",
        "--framework", "python",
        "--input-schema", schema_to_base64(TENSOR_SCHEMA),
        "--output-schema", schema_to_base64(WEIGHTED_SCHEMA),
    )  # fmt: skip
    assert as_base64.code == 0, as_base64.stderr
    (tmp_path / "in.pkl").write_bytes(pickle.dumps(TENSOR_SCHEMA))
    (tmp_path / "out.pkl").write_bytes(pickle.dumps(WEIGHTED_SCHEMA))
    as_files = build(  # paths given as text, as the command gives them
        STEP,
        name="schema-pickle",
        input_schema=str(tmp_path / "in.pkl"),
        output_schema=str(tmp_path / "out.pkl"),
    )
    signatures = [
        weighted_step.signature,
        as_base64.json()["version"]["signature"],
        as_files.signature,
    ]
    assert signatures[0] == signatures[1] == signatures[2]
    assert [f["name"] for f in signatures[0]["inputs"]] == ["tensor"]
    assert signatures[0]["inputs"][0]["shape"] == [4]


def test_a_python_step_without_schemas_is_refused_naming_the_missing_one(build: Build) -> None:
    message = refused(build, STEP, framework="python", input_schema=TENSOR_SCHEMA)
    assert "needs both an input and an output schema; --output-schema missing" in message


def test_a_custom_upload_without_schemas_is_refused_naming_both(
    build: Build, weighted_zip: Path
) -> None:
    message = refused(build, weighted_zip, name="custom-unschemed", framework="custom")
    assert (
        "a custom model needs both an input and an output schema; "
        "--input-schema and --output-schema missing"
    ) in message


def test_a_schema_that_is_neither_base64_nor_a_file_is_refused(build: Build) -> None:
    message = refused(build, STEP, input_schema="not a schema!", output_schema=WEIGHTED_SCHEMA)
    assert "input_schema is neither a schema file nor the base64" in message


def test_a_name_that_is_not_dns_compliant_is_refused_with_the_fixed_name(
    cli: Callable[..., Result],
) -> None:
    result = cli("build", str(STEP), "--framework", "python", "--name", "My_Step.v2")
    assert result.code != 0
    assert "not DNS-compliant" in result.stderr
    assert "'my-step-v2'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_framework_that_does_not_match_the_file_is_refused(build: Build) -> None:
    message = refused(build, STEP, framework="onnx")
    assert "--framework onnx does not match the upload, which is a python file" in message


def test_a_file_that_is_not_what_its_framework_takes_is_refused_saying_what_is(
    cli: Callable[..., Result],
) -> None:
    result = cli("build", str(STEP), "--framework", "hugging-face-summarization")
    assert result.code != 0
    assert "takes a zip of a saved pipeline's folder" in result.stderr
    assert "save_pretrained" in result.stderr


def test_a_python_step_with_a_bad_signature_is_refused_with_wallaroos_message(
    build: Build,
) -> None:
    message = refused(
        build,
        STEPS / "bad_signature.py",
        framework="python",
        input_schema=TENSOR_SCHEMA,
        output_schema=WEIGHTED_SCHEMA,
    )
    assert (
        "The `process_data` function should have the following signature: "
        "def process_data(input_data: InferenceData) -> InferenceData:"
    ) in message


def test_a_zip_that_is_not_a_zip_is_refused(build: Build, tmp_path: Path) -> None:
    fake = tmp_path / "model.zip"
    fake.write_text("these are not the bytes of a zip file")
    message = refused(build, fake, format="wallaroo", framework="custom")  # as --framework does
    assert "model.zip is not a zip file" in message


def test_a_zip_with_a_path_leaving_its_folder_is_refused(build: Build, tmp_path: Path) -> None:
    evil = zip_folder(BYOP / "weighted", tmp_path / "evil.zip")
    with zipfile.ZipFile(evil, "a") as archive:
        archive.writestr("weighted/../../escaped.py", "print('outside')\n")
    message = refused(build, evil, framework="custom")
    assert "'weighted/../../escaped.py', a path outside the model folder" in message
    assert not (tmp_path.parent / "escaped.py").exists()


def test_a_zip_with_two_top_folders_is_refused(build: Build, tmp_path: Path) -> None:
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as archive:
        archive.writestr(
            "one/inference.py", "from mac.inference.creation import InferenceBuilder\n"
        )
        archive.writestr("two/helper.py", "X = 1\n")
    message = refused(build, two, framework="custom")
    assert "must hold exactly one top folder, not ['one', 'two']" in message


def test_frameworks_lists_every_name_in_wallaroos_spelling_with_its_status(
    cli: Callable[..., Result],
) -> None:
    result = cli("frameworks", "--json")
    assert result.code == 0, result.stderr
    status = {f["name"]: f["status"] for f in result.json()}
    for name in (
        "onnx",
        "python",
        "custom",
        "pytorch",
        "sklearn",
        "xgboost",
        "tensorflow",
        "keras",
        "mlflow",
        "hugging-face-summarization",
    ):
        assert status[name] == "supported"
    assert set(status.values()) == {"supported"}  # every framework Wallaroo lists
    table = cli("frameworks")
    assert "hugging-face-text-generation" in table.stdout
